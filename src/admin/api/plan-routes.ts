import express, { Router } from 'express';
import { catalogSnapshot } from '../../plans/course-catalog.js';
import { planOverview, removePlan, savePlan } from '../../plans/plan-admin.js';
import { sendError } from '../../http/http-errors.js';
import type { AdminDeps } from '../admin-deps.js';
import { planNameSchema, problemsOf } from '../admin-inputs.js';

const VIA = 'pela API de administração';

/** /admin/api/plans… and /admin/api/courses: the plan map and the EAD's catalog it draws from. */
export function planRoutes({ store, catalog, onRetry }: AdminDeps): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  router.get('/plans', async (_req, res) => {
    const [rows, changes] = await Promise.all([planOverview(store), store.plans.changes(50)]);
    res.json({
      plans: rows.map((r) => ({
        name: r.name,
        mapped: r.plan !== undefined,
        courses: r.plan?.courses ?? [],
        whatsappGroup: r.plan?.whatsappGroup ?? null,
        accessDays: r.plan?.accessDays ?? null,
        // Kiwify's ids: the plan's, or (not mapped) those its latest sale carried.
        kiwifyPlanId: (r.plan ? r.plan.kiwifyPlanId : r.seenIds?.kiwifyPlanId) ?? null,
        kiwifyProductId: (r.plan ? r.plan.kiwifyProductId : r.seenIds?.kiwifyProductId) ?? null,
        kiwifyName: r.kiwifyName ?? null,
        sales: r.sales,
        waiting: r.waiting,
      })),
      changes: changes.map((c) => ({ at: new Date(c.at).toISOString(), name: c.name, action: c.action, via: c.via })),
    });
  });

  router.put('/plans/:name', json, async (req, res) => {
    const name = planNameSchema.safeParse(req.params.name);
    if (!name.success) return sendError(res, 400, `Nome do plano inválido: ${problemsOf(name.error)}`);
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return sendError(
        res,
        400,
        'Envie {"courses": [ids], "whatsappGroup": "https://…", "accessDays": 365, "kiwifyPlanId": "…", "kiwifyProductId": "…"} (só courses é obrigatório).',
      );
    }
    const result = await savePlan(store, catalog, { ...body, name: name.data }, VIA);
    if (!result.ok) return sendError(res, result.status, result.problems.join('; '));
    if (result.requeued > 0) onRetry?.();
    res.json({ ok: true, plan: result.plan, requeued: result.requeued, ...(result.unchecked ? { warning: result.unchecked } : {}) });
  });

  router.delete('/plans/:name', async (req, res) => {
    const name = planNameSchema.safeParse(req.params.name);
    if (!name.success) return sendError(res, 400, `Nome do plano inválido: ${problemsOf(name.error)}`);
    if (!(await removePlan(store, name.data, VIA))) return sendError(res, 404, 'Plano não encontrado.');
    res.json({ ok: true });
  });

  router.get('/courses', async (req, res) => {
    const snapshot = await catalogSnapshot(catalog, req.query.reload === '1');
    if (snapshot.readAt === undefined) {
      return sendError(res, 502, `Não foi possível ler o catálogo de cursos do EAD: ${snapshot.error ?? 'sem resposta'}`);
    }
    res.json({
      courses: snapshot.courses,
      readAt: new Date(snapshot.readAt).toISOString(),
      ...(snapshot.error
        ? { warning: `Catálogo de ${new Date(snapshot.readAt).toISOString()}; a última leitura falhou: ${snapshot.error}` }
        : {}),
    });
  });

  return router;
}
