import express, { Router } from 'express';
import { maskDigits } from '../../domain/redaction.js';
import { retentionStatus } from '../../support/health-report.js';
import { eraseHolder, erasureSummary, previewErasure } from '../../privacy/erasure.js';
import { sameOrigin } from '../auth.js';
import type { AdminDeps } from '../admin-deps.js';
import { eraseBodySchema, problemsOf } from '../admin-inputs.js';
import { messagePage } from '../views/layout.js';
import { erasurePreviewPage, privacyPage } from '../views/privacy-views.js';
import { field, page } from './respond.js';

const VIA = 'pelo painel';

/** The Privacidade page: retention, erasure on request (with a confirmation step), the record. */
export function privacyPages({ store, customerKeys, retentionDays }: AdminDeps, signedIn: express.RequestHandler): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  const overview = async (problem?: string) => {
    const [retention, erasures] = await Promise.all([retentionStatus(store, retentionDays), store.privacy.erasures(20)]);
    return privacyPage({ retention, erasures, problem });
  };

  router.get('/admin/privacy', signedIn, async (_req, res) => {
    page(res, await overview());
  });

  router.post('/admin/privacy/preview', signedIn, sameOrigin, form, async (req, res) => {
    const input = eraseBodySchema.safeParse({ cpf: field(req.body, 'cpf') ?? '', note: field(req.body, 'note') || undefined });
    if (!input.success) return page(res, await overview(problemsOf(input.error)), 400);
    const preview = await previewErasure(store, customerKeys, input.data);
    if (!preview.ok) return page(res, await overview(preview.message), 400);
    const cpf = input.data.cpf.replace(/\D/g, '');
    page(
      res,
      erasurePreviewPage({
        cpf,
        maskedCpf: maskDigits(cpf),
        note: input.data.note ?? '',
        events: preview.events,
        open: preview.open,
        shared: preview.shared,
      }),
    );
  });

  router.post('/admin/privacy/erase', signedIn, sameOrigin, form, async (req, res) => {
    const input = eraseBodySchema.safeParse({ cpf: field(req.body, 'cpf') ?? '', note: field(req.body, 'note') || undefined });
    if (!input.success) return page(res, await overview(problemsOf(input.error)), 400);
    const result = await eraseHolder(store, customerKeys, input.data, VIA, input.data.note);
    if (!result.ok) return page(res, await overview(result.message), 400);
    page(res, messagePage('Dados apagados', erasureSummary(result), 'privacy'));
  });

  return router;
}
