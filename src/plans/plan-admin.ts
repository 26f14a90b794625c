import { isCleanText } from '../domain/clean-text.js';
import { readPlanFile, validatePlan, type Plan } from './plan-map.js';
import { normalizeText } from '../domain/text.js';
import type { Logger } from '../log/logger.js';
import type { EventQueries } from '../store/event-reads.js';
import type { PlanChangeRow, PlanStore, StoredPlan } from './plan-store.js';
import { catalogSnapshot, type CourseCatalog } from './course-catalog.js';
import { retryEvent, type FailureReplay } from '../replay/event-replay.js';

/** The plan map, for what only reads or writes the map. */
export interface PlanMapStore {
  plans: PlanStore;
}

/** The plans page's overview: the map, and the names sales used. */
export interface PlanOverviewReads extends PlanMapStore {
  events: Pick<EventQueries, 'salesByPlanName' | 'failedOfCause'>;
}

/** Saving a plan: the map, and the failed sales it unblocks (run again). */
export type PlanSaveStore = PlanMapStore & FailureReplay;

/** Where a change came from, as the history shows it. */
export type Via = string;

/** A plan or product name as support sees it: mapped or not, how many sales it had, how many wait. */
export interface PlanRow {
  name: string;
  plan?: StoredPlan;
  sales: number;
  /** Failed sales waiting for this name to be mapped. */
  waiting: number;
}

/**
 * Every name seen in sales and every mapped plan, unmapped ones with waiting sales first, then
 * the other unmapped ones, then the mapped ones — by name.
 */
export async function planOverview(store: PlanOverviewReads): Promise<PlanRow[]> {
  const [plans, sales, waiting] = await Promise.all([
    store.plans.all(),
    store.events.salesByPlanName(),
    store.events.failedOfCause('unmapped_plan'),
  ]);
  const rows = new Map<string, PlanRow>();
  const row = (name: string) => {
    const key = normalizeText(name);
    let found = rows.get(key);
    if (!found) rows.set(key, (found = { name, sales: 0, waiting: 0 }));
    return found;
  };
  for (const plan of plans) Object.assign(row(plan.name), { name: plan.name, plan });
  for (const s of sales) row(s.name).sales += s.sales;
  for (const w of waiting) if (w.planName) row(w.planName).waiting += 1;
  const rank = (r: PlanRow) => (r.plan ? 2 : r.waiting > 0 ? 0 : 1);
  return [...rows.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'pt-BR'));
}

export type SavePlanResult =
  { ok: true; plan: Plan; requeued: number; unchecked?: string } | { ok: false; status: 400 | 409; problems: string[] };

/**
 * Saves a plan from support (page, API, CLI): valid, its course ids in the EAD's catalog (when
 * the catalog can be read; otherwise saved, and said), a name not already used by another plan
 * (names compared without case and accents). Then every sale that failed because this plan was
 * not mapped runs again, by itself.
 */
export async function savePlan(
  store: PlanSaveStore,
  catalog: CourseCatalog | undefined,
  input: unknown,
  via: Via,
): Promise<SavePlanResult> {
  const valid = validatePlan(input);
  if (!valid.ok) return { ok: false, status: 400, problems: valid.problems };
  const { plan } = valid;
  const existing = await store.plans.resolve(plan.name);
  if (existing && existing.name !== plan.name) {
    return {
      ok: false,
      status: 409,
      problems: [`Já existe o plano "${existing.name}" (nomes comparados sem maiúsculas, acentos e espaços extras): edite aquele.`],
    };
  }
  const snapshot = await catalogSnapshot(catalog);
  let unchecked: string | undefined;
  if (snapshot.readAt === undefined) {
    unchecked = `Catálogo do EAD indisponível (${snapshot.error ?? 'sem resposta'}): os ids dos cursos não foram conferidos.`;
  } else {
    const known = new Set(snapshot.courses.map((c) => c.id));
    const unknown = plan.courses.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      return { ok: false, status: 400, problems: [`Curso(s) que não existem no catálogo do EAD: ${unknown.join(', ')}.`] };
    }
  }
  await store.plans.set(plan, via);
  const requeued = await retryUnmappedSales(store, plan.name, `depois de cadastrar o plano "${plan.name}" ${via}`);
  return { ok: true, plan, requeued, unchecked };
}

/** The failed sales that were waiting for `planName` to be mapped run again; returns how many. */
export async function retryUnmappedSales(store: FailureReplay, planName: string, via: Via): Promise<number> {
  const key = normalizeText(planName);
  let queued = 0;
  for (const failed of await store.events.failedOfCause('unmapped_plan')) {
    if (!failed.planName || normalizeText(failed.planName) !== key) continue;
    if ((await retryEvent(store, failed.id, via)) === 'queued') queued += 1;
  }
  return queued;
}

export async function removePlan(store: PlanMapStore, name: string, via: Via): Promise<boolean> {
  // A name with control characters names no plan (none can be saved with one).
  if (!isCleanText(name)) return false;
  return store.plans.remove(name, via);
}

/** The map as a file (the format of PLANS_FILE), for `npm run plans -- export`. */
export async function exportPlans(store: PlanMapStore): Promise<string> {
  const entries = (await store.plans.all()).map((p) => [
    p.name,
    p.whatsappGroup ? { courses: p.courses, whatsappGroup: p.whatsappGroup } : p.courses,
  ]);
  return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
}

/** Replaces the map with a file's (validated; PlanMapError lists its problems). */
export async function importPlans(store: PlanMapStore, file: string, via: Via): Promise<number> {
  return store.plans.replaceAll(readPlanFile(file), via);
}

/**
 * The first start with an empty map imports PLANS_FILE (or the school's map shipped in the
 * repository); from then on the database is the map, and the file is read only on request.
 */
export async function seedPlanMap(store: PlanMapStore, file: string, log: Logger): Promise<void> {
  if (!(await store.plans.isEmpty())) return;
  const imported = await store.plans.replaceAll(readPlanFile(file), 'na primeira inicialização do servidor (PLANS_FILE)', {
    onlyIfEmpty: true,
  });
  if (imported > 0) log.info({ plans: imported }, 'mapa de planos importado do arquivo para o banco');
}

export type { PlanChangeRow };
