import express, { Router } from 'express';
import { isPlainObject, parseDelivery } from '../kiwify/payload.js';
import { verifyKiwifySignature } from '../kiwify/signature.js';
import type { Store } from '../store/index.js';
import { sendError } from './errors.js';

export interface WebhookDeps {
  store: Store;
  /** Every token configured in Kiwify for this URL (KIWIFY_WEBHOOK_TOKEN). */
  tokens: readonly string[];
  /** Called once a new event is committed (wakes the worker). */
  onStored?: () => void;
}

export const WEBHOOK_BODY_LIMIT = '1mb';

function parseJson(raw: Buffer): { ok: true; value: unknown; text: string } | { ok: false } {
  try {
    const text = raw.toString('utf8');
    return { ok: true, value: JSON.parse(text), text };
  } catch {
    return { ok: false };
  }
}

/**
 * The signature of the wrapped form `{"order": {...}}` may have been computed over the compact
 * JSON of `order` rather than over the whole body.
 */
function verifyWrapped(json: unknown, signature: unknown, tokens: readonly string[]): boolean {
  if (!isPlainObject(json) || !isPlainObject(json.order)) return false;
  return verifyKiwifySignature(Buffer.from(JSON.stringify(json.order), 'utf8'), signature, tokens);
}

/**
 * POST /webhook: verify the signature on the raw bytes, parse, validate, store in the inbox,
 * answer. Processing happens later in the worker; the answer never waits for an external system.
 */
export function webhookRouter({ store, tokens, onStored }: WebhookDeps): Router {
  const router = Router();
  router.post('/webhook', express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.query.signature;

    let json = undefined as ReturnType<typeof parseJson> | undefined;
    let verified = verifyKiwifySignature(raw, signature, tokens);
    if (!verified && typeof signature === 'string') {
      json = parseJson(raw);
      verified = json.ok && verifyWrapped(json.value, signature, tokens);
    }
    if (!verified) {
      req.log.warn({ bytes: raw.length, hasSignature: typeof signature === 'string' }, 'webhook recusado: assinatura inválida');
      return sendError(res, 401, 'Assinatura ausente ou inválida.');
    }

    json ??= parseJson(raw);
    if (!json.ok) return sendError(res, 400, 'O corpo não é um JSON válido.');
    const parsed = parseDelivery(json.value, raw, json.text);
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
  });
  return router;
}
