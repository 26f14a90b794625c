import express, { Router } from 'express';
import { isPlainObject, parseDelivery } from '../kiwify/payload.js';
import { looksLikeSignature, verifyKiwifySignature } from '../kiwify/signature.js';
import { parse as parseJsonAst } from '@humanwhocodes/momoa';
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
 * The wrapped form `{"order": {...}}` may be signed over the `order` object alone: over its exact
 * bytes in the body (what the signer serialised), or else its compact JSON. Returns the bytes
 * that carry the signature, or undefined.
 */
function signedOrderBytes(text: string, json: unknown, signature: string, tokens: readonly string[]): Buffer | undefined {
  if (!isPlainObject(json) || !isPlainObject(json.order)) return undefined;
  const candidates = [exactMemberText(text, 'order'), JSON.stringify(json.order)];
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const bytes = Buffer.from(candidate, 'utf8');
    if (verifyKiwifySignature(bytes, signature, tokens)) return bytes;
  }
  return undefined;
}

/** The exact source text of a top-level member's value (numbers and escapes as received). */
function exactMemberText(text: string, key: string): string | undefined {
  try {
    const ast = parseJsonAst(text, { ranges: true });
    if (ast.body.type !== 'Object') return undefined;
    const member = ast.body.members.find((m) => m.name.type === 'String' && m.name.value === key);
    return member ? text.slice(member.value.range![0], member.value.range![1]) : undefined;
  } catch {
    return undefined;
  }
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
    const refuse = () => {
      req.log.warn({ bytes: raw.length, hasSignature: typeof signature === 'string' }, 'webhook recusado: assinatura inválida');
      sendError(res, 401, 'Assinatura ausente ou inválida.');
    };
    if (!looksLikeSignature(signature)) return refuse();

    // The bytes the signature covers: the whole body, or (wrapped form) the order inside it.
    let signed: Buffer | undefined = verifyKiwifySignature(raw, signature, tokens) ? raw : undefined;
    const json = parseJson(raw);
    if (!signed && json.ok) signed = signedOrderBytes(json.text, json.value, signature, tokens);
    if (!signed) return refuse();

    if (!json.ok) return sendError(res, 400, 'O corpo não é um JSON válido.');
    const parsed = parseDelivery(json.value, signed, json.text);
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
