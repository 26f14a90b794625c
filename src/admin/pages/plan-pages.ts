import express, { Router } from 'express';
import { controlCharactersMessage, isCleanText } from '../../domain/clean-text.js';
import { failuresMatching } from '../../replay/event-replay.js';
import { catalogSnapshot } from '../../plans/course-catalog.js';
import { planOverview, removePlan, savePlan, withPlanMatch } from '../../plans/plan-admin.js';
import { normalizeText } from '../../domain/text.js';
import { sameOrigin } from '../auth.js';
import type { AdminDeps } from '../admin-deps.js';
import { planNameSchema, problemsOf } from '../admin-inputs.js';
import { messagePage } from '../views/layout.js';
import type { Flash } from '../views/layout.js';
import { planEditPage, plansPage, type PlanEditView } from '../views/plan-views.js';
import { field, fieldValues, flashFrom, page } from './respond.js';

const VIA = 'pelo painel';

const PLANS_FLASH: Record<string, (n: number) => Flash> = {
  salvo: (n) => ({ text: n > 0 ? `Plano salvo. ${n} venda(s) que aguardavam este plano foram reprocessadas.` : 'Plano salvo.' }),
  'salvo-sem-conferir': (n) => ({
    text: `Plano salvo sem conferir os cursos (catálogo do EAD indisponível).${n > 0 ? ` ${n} venda(s) reprocessadas.` : ''}`,
    bad: true,
  }),
  removido: () => ({ text: 'Plano removido.' }),
  catalogo: () => ({ text: 'Catálogo de cursos recarregado do EAD.' }),
  'catalogo-falhou': () => ({ text: 'Não foi possível recarregar o catálogo do EAD (veja o motivo abaixo).', bad: true }),
};

/**
 * The plan's fields besides its courses, as the form sends them: each always there (empty: none);
 * absent (a form of before them): Kiwify's ids kept, the days none.
 */
function planFields(body: unknown) {
  const days = field(body, 'accessDays')?.trim();
  const id = (name: string) => {
    const value = field(body, name);
    return value === undefined ? undefined : value.trim() || null;
  };
  return {
    whatsappGroup: field(body, 'whatsappGroup')?.trim() || undefined,
    accessDays: !days ? undefined : /^\d{1,9}$/.test(days) ? Number(days) : Number.NaN,
    kiwifyPlanId: id('kiwifyPlanId'),
    kiwifyProductId: id('kiwifyProductId'),
  };
}

/** What a form shows again (a search, a refused save): the fields as support typed them. */
function typedBack(body: unknown): Pick<PlanEditView, 'whatsappGroup' | 'accessDays' | 'kiwifyPlanId' | 'kiwifyProductId'> {
  const typed = planFields(body);
  return {
    whatsappGroup: typed.whatsappGroup,
    accessDays: field(body, 'accessDays')?.trim().slice(0, 20),
    kiwifyPlanId: typed.kiwifyPlanId?.slice(0, 200) ?? undefined,
    kiwifyProductId: typed.kiwifyProductId?.slice(0, 200) ?? undefined,
  };
}

/** Course ids from the picker's checkboxes, or typed (when the catalog cannot be read). */
function chosenCourses(body: unknown): number[] {
  const typed = (field(body, 'courseIds') ?? '').split(/[\s,;]+/);
  return [...fieldValues(body, 'courses'), ...typed].filter((v) => v !== '').map((v) => (/^\d{1,9}$/.test(v) ? Number(v) : Number.NaN));
}

/** What the edit page shows of a plan (by name; a new one when empty): its courses, the catalog, the sales waiting for it, its history. */
async function planEditView({ store, catalog }: Pick<AdminDeps, 'store' | 'catalog'>, name: string): Promise<PlanEditView> {
  // Its row of the overview: its sales, those waiting for it, the name Kiwify gives it now.
  const [plan, snapshot, changes, rows, failed] = await Promise.all([
    name ? store.plans.byName(name) : undefined,
    catalogSnapshot(catalog),
    name ? store.plans.changes(20, name) : [],
    name ? planOverview(store) : [],
    name ? withPlanMatch(store, { plan: name }).then((filter) => failuresMatching(store, filter)) : [],
  ]);
  const row = name ? rows.find((r) => normalizeText(r.name) === normalizeText(name)) : undefined;
  const waiting = row?.waiting ?? 0;
  return {
    name: plan?.name ?? name,
    exists: plan !== undefined,
    courses: plan?.courses ?? [],
    whatsappGroup: plan?.whatsappGroup,
    accessDays: plan?.accessDays?.toString(),
    kiwifyPlanId: plan?.kiwifyPlanId,
    kiwifyProductId: plan?.kiwifyProductId,
    kiwifyName: row?.kiwifyName,
    seenIds: plan ? undefined : row?.seenIds,
    catalog: snapshot,
    waiting,
    failed: failed.length - waiting,
    changes,
  };
}

/** The Planos page: the map of plans to courses, edited by support. */
export function planPages({ store, catalog, onRetry }: AdminDeps, signedIn: express.RequestHandler): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 1000 });

  const editView = (name: string) => planEditView({ store, catalog }, name);

  router.get('/admin/plans', signedIn, async (req, res) => {
    const [rows, snapshot, changes] = await Promise.all([planOverview(store), catalogSnapshot(catalog), store.plans.changes(20)]);
    page(res, plansPage({ rows, catalog: snapshot, changes, flash: flashFrom(req.query, PLANS_FLASH) }));
  });

  router.get('/admin/plans/edit', signedIn, async (req, res) => {
    const parsed = planNameSchema.safeParse(req.query.name);
    if (!parsed.success && typeof req.query.name === 'string' && req.query.name !== '') {
      return page(res, messagePage('Planos', problemsOf(parsed.error), 'plans'), 400);
    }
    const q = (field(req.query, 'q') ?? '').trim().slice(0, 100);
    if (!isCleanText(q)) return page(res, messagePage('Planos', controlCharactersMessage('A busca'), 'plans'), 400);
    const name = parsed.success ? parsed.data.trim().slice(0, 200) : '';
    const view = await editView(name);
    const flash = flashFrom(req.query, PLANS_FLASH);
    // "Buscar" sends the form as it stands (ticks, name, group) by GET: the page comes back with
    // the search's results and nothing support chose lost.
    if (field(req.query, 'buscar') === undefined) return page(res, planEditPage({ ...view, flash }));
    const draft = {
      ...view,
      exists: view.exists && view.name === name,
      name,
      courses: chosenCourses(req.query).filter((id) => Number.isInteger(id)),
      ...typedBack(req.query),
      q,
    };
    page(res, planEditPage({ ...draft, flash }));
  });

  router.post('/admin/plans/save', signedIn, sameOrigin, form, async (req, res) => {
    const name = (field(req.body, 'name') ?? '').trim();
    const input = { name, courses: chosenCourses(req.body), ...planFields(req.body) };
    const result = await savePlan(store, catalog, input, VIA);
    if (!result.ok) {
      // The page again, with what support chose and why it was not saved (a name with control
      // characters is not looked up, nor shown back).
      const shown = isCleanText(name) ? name.slice(0, 200) : '';
      const view = await editView(shown);
      const courses = input.courses.filter((id) => Number.isInteger(id));
      const again = { ...view, name: shown, exists: view.exists && view.name === shown, courses, ...typedBack(req.body) };
      return page(res, planEditPage({ ...again, problems: result.problems }), result.status);
    }
    if (result.requeued > 0) onRetry?.();
    const msg = result.unchecked ? 'salvo-sem-conferir' : 'salvo';
    res.redirect(303, `/admin/plans/edit?name=${encodeURIComponent(result.plan.name)}&msg=${msg}&n=${result.requeued}`);
  });

  router.post('/admin/plans/remove', signedIn, sameOrigin, form, async (req, res) => {
    const name = planNameSchema.safeParse(field(req.body, 'name') ?? '');
    if (!name.success) return page(res, messagePage('Planos', problemsOf(name.error), 'plans'), 400);
    await removePlan(store, name.data, VIA);
    res.redirect(303, '/admin/plans?msg=removido');
  });

  router.post('/admin/plans/catalog', signedIn, sameOrigin, async (_req, res) => {
    const snapshot = await catalogSnapshot(catalog, true);
    res.redirect(303, `/admin/plans?msg=${snapshot.error ? 'catalogo-falhou' : 'catalogo'}`);
  });

  return router;
}
