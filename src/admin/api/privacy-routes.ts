import express, { Router } from 'express';
import { eraseHolder, erasureSummary, previewErasure } from '../../privacy/erasure.js';
import { sendError } from '../../http/http-errors.js';
import type { AdminDeps } from '../admin-deps.js';
import { eraseBodySchema, problemsOf } from '../admin-inputs.js';

const VIA = 'pela API de administração';

/**
 * /admin/api/erase: LGPD erasure on the holder's request. Without `"confirm": true` it only says
 * what would be erased; with it, strips the person's data and records the erasure (never the CPF).
 * /admin/api/erasures: the record.
 */
export function privacyRoutes({ store, customerKeys }: AdminDeps): Router {
  const router = Router();
  const json = express.json({ limit: '4kb' });

  router.post('/erase', json, async (req, res) => {
    const body = eraseBodySchema.safeParse(req.body);
    if (!body.success) return sendError(res, 400, problemsOf(body.error));
    if (!body.data.confirm) {
      const preview = await previewErasure(store, customerKeys, body.data);
      if (!preview.ok) return sendError(res, 400, preview.message);
      return res.json({
        ok: true,
        confirmed: false,
        events: preview.events,
        open: preview.open,
        shared: preview.shared,
        message: `${preview.events} evento(s) com dados deste titular; nada foi apagado. Envie de novo com "confirm": true para apagar.`,
      });
    }
    const result = await eraseHolder(store, customerKeys, body.data, VIA, body.data.note);
    if (!result.ok) return sendError(res, 400, result.message);
    res.json({
      ok: true,
      confirmed: true,
      erased: result.erased,
      open: result.open,
      shared: result.shared,
      erasureId: result.erasureId,
      message: erasureSummary(result),
    });
  });

  router.get('/erasures', async (_req, res) => {
    const rows = await store.privacy.erasures(50);
    res.json({ erasures: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) });
  });

  return router;
}
