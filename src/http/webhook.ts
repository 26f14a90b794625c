import express, { Router, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { parseDelivery } from '../kiwify/payload.js';
import { looksLikeSignature, verifyKiwifySignature } from '../kiwify/signature.js';
import type { Store } from '../store/index.js';
import { sendError } from './errors.js';

export interface WebhookDeps {
  store: Store;
  /** Every token configured in Kiwify for this URL (KIWIFY_WEBHOOK_TOKEN). */
  tokens: readonly string[];
  /** Called once a new event is committed (wakes the worker). */
  onStored?: () => void;
  /** Wrong signatures one address may send per window before it gets 429 (default 30 per 10 min). */
  failedSignatureLimit?: number;
}

export const WEBHOOK_BODY_LIMIT = '1mb';
const FAILED_SIGNATURE_WINDOW_MS = 10 * 60 * 1000;

/**
 * Repeated wrong signatures from one address are answered 429 before the body is even read: a
 * forger's retries cost nothing. Only 401s count, so Kiwify's valid deliveries never do.
 */
function failedSignatureLimiter(limit: number): RequestHandler {
  return rateLimit({
    windowMs: FAILED_SIGNATURE_WINDOW_MS,
    limit,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode !== 401,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // The client address comes from TRUST_PROXY; a forwarded header we do not trust is ignored.
    validate: { xForwardedForHeader: false },
    handler: (_req, res) => sendError(res, 429, 'Muitas entregas com assinatura inválida deste endereço. Tente mais tarde.'),
  });
}

/**
 * POST /webhook: verify the signature on the raw bytes, then build the event from exactly those
 * bytes (strict JSON: no duplicate keys, bounded depth), store it in the inbox, answer.
 * Processing happens later in the worker; the answer never waits for an external system.
 * An unsigned request costs one HMAC per token over at most 1 MB, and nothing else.
 */
export function webhookRouter({ store, tokens, onStored, failedSignatureLimit = 30 }: WebhookDeps): Router {
  const router = Router();
  router.post(
    '/webhook',
    failedSignatureLimiter(failedSignatureLimit),
    express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT, inflate: false }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.query.signature;
      if (!looksLikeSignature(signature) || !verifyKiwifySignature(raw, signature, tokens)) {
        req.log.warn({ bytes: raw.length, hasSignature: typeof signature === 'string' }, 'webhook recusado: assinatura inválida');
        return sendError(res, 401, 'Assinatura ausente ou inválida.');
      }

      const parsed = parseDelivery(raw);
      if (!parsed.ok) {
        req.log.warn({ reason: parsed.message }, 'webhook recusado: conteúdo inválido');
        return sendError(res, 400, parsed.message);
      }

      const { delivery } = parsed;
      try {
        const { id, duplicate } = await store.events.insert(delivery);
        // One log line per request: these fields join pino-http's completion line (see app.ts).
        res.locals.log = { eventId: id, eventType: delivery.eventType, duplicate };
        res.locals.logMessage = duplicate ? 'entrega repetida' : 'evento recebido';
        res.json({ ok: true, eventId: String(id), duplicate });
        if (!duplicate) onStored?.();
      } catch (err) {
        req.log.error({ err }, 'não foi possível gravar o evento');
        sendError(res, 503, 'Não foi possível registrar o evento agora; a Kiwify tentará de novo.');
      }
    },
  );
  return router;
}
