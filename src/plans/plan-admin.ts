import { isCleanText } from '../domain/clean-text.js';
import { readPlanFile, validatePlan, withoutAbsent, type Plan } from './plan-map.js';
import { normalizeText } from '../domain/text.js';
import type { Logger } from '../log/logger.js';
import type { PlanChangeRow } from './plan-store.js';
import { withPlanMatch, type PlanMapStore } from './plan-overview.js';
import type { KiwifyIds } from './plan-resolution.js';
import { catalogSnapshot, type CourseCatalog } from './course-catalog.js';
import { retryFailures, type FailureReplay } from '../replay/event-replay.js';

export { planOverview, withPlanMatch, type PlanMapStore, type PlanOverviewReads, type PlanRow } from './plan-overview.js';

/** Saving a plan: the map, and the failed sales it unblocks (run again). */
export type PlanSaveStore = PlanMapStore & FailureReplay;

/** Where a change came from, as the history shows it. */
export type Via = string;

export type SavePlanResult =
  { ok: true; plan: Plan; requeued: number; unchecked?: string } | { ok: false; status: 400 | 409; problems: string[] };

/**
 * Saves a plan from support (page, API, CLI): valid, its course ids in the EAD's catalog (when
 * the catalog can be read; otherwise saved, and said), a name not already used by another plan
 * (names compared without case and accents), a Kiwify plan id no other plan has (Kiwify's ids
 * left out of the input are kept: `keepingIds`). Then every sale that failed because its plan was
 * not mapped and that the map now finds as this plan — by name, or by Kiwify's ids — runs again,
 * by itself.
 */
export async function savePlan(
  store: PlanSaveStore,
  catalog: CourseCatalog | undefined,
  input: unknown,
  via: Via,
): Promise<SavePlanResult> {
  const valid = validatePlan(input);
  if (!valid.ok) return { ok: false, status: 400, problems: valid.problems };
  const existing = await store.plans.byName(valid.plan.name);
  if (existing && existing.name !== valid.plan.name) {
    return {
      ok: false,
      status: 409,
      problems: [`Já existe o plano "${existing.name}" (nomes comparados sem maiúsculas, acentos e espaços extras): edite aquele.`],
    };
  }
  const plan = keepingIds(valid.plan, existing, input);
  const owner = plan.kiwifyPlanId === undefined ? undefined : await store.plans.byKiwifyPlanId(plan.kiwifyPlanId);
  if (owner && normalizeText(owner.name) !== normalizeText(plan.name)) {
    return {
      ok: false,
      status: 409,
      problems: [
        `O id de plano da Kiwify ${plan.kiwifyPlanId} já é do plano "${owner.name}" (cada plano da Kiwify é um só plano do mapa): tire-o de lá antes.`,
      ],
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

/**
 * Kiwify's ids are learned from sales: a save that does not mention them (an API client or a
 * `plans set` of before them) keeps the plan's; null or empty clears them.
 */
function keepingIds(plan: Plan, existing: Plan | undefined, input: unknown): Plan {
  const given = (key: keyof KiwifyIds) =>
    typeof input === 'object' && input !== null && (input as Record<string, unknown>)[key] !== undefined;
  return withoutAbsent({
    ...plan,
    kiwifyPlanId: given('kiwifyPlanId') ? plan.kiwifyPlanId : existing?.kiwifyPlanId,
    kiwifyProductId: given('kiwifyProductId') ? plan.kiwifyProductId : existing?.kiwifyProductId,
  });
}

/**
 * The failed sales that were waiting for a plan (failed as unmapped) and that the map now finds
 * as `planName` — by its name, or by Kiwify's ids (a plan renamed in Kiwify) — run again, as
 * "Reprocessar todos" of that plan would; returns how many. Called once `planName` is in the map.
 */
export async function retryUnmappedSales(store: PlanSaveStore, planName: string, via: Via): Promise<number> {
  return retryFailures(store, await withPlanMatch(store, { code: 'unmapped_plan', plan: planName }), via);
}

export async function removePlan(store: PlanMapStore, name: string, via: Via): Promise<boolean> {
  // A name with control characters names no plan (none can be saved with one).
  if (!isCleanText(name)) return false;
  return store.plans.remove(name, via);
}

/** The map as a file (the format of PLANS_FILE), for `npm run plans -- export`. */
export async function exportPlans(store: PlanMapStore): Promise<string> {
  const entries = (await store.plans.all()).map(({ updatedAt: _, ...plan }) => {
    const { name, ...entry } = withoutAbsent(plan);
    return [name, Object.keys(entry).length > 1 ? entry : entry.courses];
  });
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
