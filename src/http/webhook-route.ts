import { Router, type RequestHandler } from 'express';
import { eventTypeInfo } from '../domain/event-types.js';
import { NO_ACTION_OUTCOME } from '../domain/messages.js';
import { parseDelivery } from '../intake/kiwify-payload.js';
import { looksLikeSignature, verifyKiwifySignature } from '../intake/kiwify-signature.js';
import type { DeliveryOutcome, MetricsRecorder } from '../metrics/metrics-recorder.js';
import type { Inbox } from '../store/inbox.js';
import { sendError } from './http-errors.js';
import { FailedSignatures } from './failed-signatures.js';
import type { IntakeActivity } from './intake-activity.js';
import { BodyIntake, type BodyLimits } from './body-intake.js';

export interface WebhookDeps {
  store: { inbox: Pick<Inbox, 'insert'> };
  /** Every token configured in Kiwify for this URL (KIWIFY_WEBHOOK_TOKEN). */
  tokens: readonly string[];
  /** Called once a new event is committed (wakes the worker). */
  onStored?: () => void;
  /** Wrong signatures one address may send per window before it gets 429 (default 30 per 10 min). */
  failedSignatureLimit?: number;
  /** Event types some flow acts on; the others are recorded as `ignored` at once (default: all handled). */
  handledTypes?: ReadonlySet<string>;
  /** Told of every delivery whose signature held (the worker lets acks go first). */
  intake?: IntakeActivity;
  /** Counts every delivery by type and outcome, with its ack latency. */
  metrics?: MetricsRecorder;
  /** How bodies are read (default WEBHOOK_BODY_LIMITS). */
  bodyLimits?: BodyLimits;
}

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Real deliveries are a few KB: what an address over the limit may still send to prove itself. */
export const LIMITED_BODY_LIMIT = 16 * 1024;
/** Bytes of webhook bodies (arrived, not yet answered) held at once, from every address (1 MB each would add up). */
export const IN_FLIGHT_BODY_BUDGET = 16 * 1024 * 1024;

/**
 * How webhook bodies are read (see body-intake.ts). Kiwify posts a few KB at once: a body is cut
 * (408) when, after 1 s, it has not kept 16 KB/s, when it goes silent for 3 s, or after 10 s in
 * all — long before the 30 s request timeout. One address holds at most 4 MB; when it has 16
 * bodies arriving, a new one cuts the oldest of them that has been arriving for 500 ms (a slow
 * sender gives way to a fast one from its own address too).
 */
export const WEBHOOK_BODY_LIMITS: BodyLimits = {
  maxBytes: WEBHOOK_BODY_LIMIT,
  budgetBytes: IN_FLIGHT_BODY_BUDGET,
  perAddressBytes: 4 * 1024 * 1024,
  perAddressBodies: 16,
  evictAfterMs: 500,
  graceMs: 1_000,
  minBytesPerSecond: 16 * 1024,
  idleMs: 3_000,
  deadlineMs: 10_000,
  busyMessage: 'Servidor ocupado recebendo outras entregas. Tente de novo em instantes.',
  retryAfterSeconds: 5,
};
const FAILED_SIGNATURE_WINDOW_MS = 10 * 60 * 1000;
const LIMITED_MESSAGE = 'Muitas entregas com assinatura inválida deste endereço. Tente mais tarde.';

/**
 * Repeated wrong signatures from one address put it on a short leash: its bodies may then hold
 * at most 16 KB (bigger ones get 429 before a byte is read) and only a valid signature gets
 * through. Kiwify's delivery addresses are shared by every Kiwify producer, so refusing an
 * address outright would let anyone with a Kiwify account hold our sales back. Only wrong
 * signatures count.
 */
function shortLeash(failures: FailedSignatures): RequestHandler {
  return (req, res, next) => {
    if (!failures.limited(req)) return next();
    const length = Number(req.headers['content-length']);
    if (!(length <= LIMITED_BODY_LIMIT)) return sendError(res, 429, LIMITED_MESSAGE);
    res.locals.signatureLimited = true;
    next();
  };
}

/** How a delivery was answered, when the route did not say (a refusal before or while reading the body). */
function outcomeOf(status: number): DeliveryOutcome {
  if (status === 401) return 'rejected_signature';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'error';
  return 'rejected_body'; // 400, 408 (too slow), 413, 415
}

/**
 * Reports each answered delivery to the metrics: its type (only once its body was parsed), its
 * outcome (set by the route in `res.locals.delivery`, else told by the status) and how long the
 * answer took.
 */
function observeDeliveries(metrics: MetricsRecorder): RequestHandler {
  return (_req, res, next) => {
    const started = performance.now();
    res.once('finish', () => {
      const seen = res.locals.delivery as { eventType?: string; outcome: DeliveryOutcome } | undefined;
      metrics.webhookDelivery(seen?.eventType, seen?.outcome ?? outcomeOf(res.statusCode), (performance.now() - started) / 1000);
    });
    next();
  };
}

/**
 * POST /webhook: verify the signature on the raw bytes, then build the event from exactly those
 * bytes (strict JSON: no duplicate keys, bounded depth), store it in the inbox, answer.
 * Processing happens later in the worker; the answer never waits for an external system.
 * An unsigned request costs one HMAC per token over at most 1 MB, and nothing else.
 */
export function webhookRouter({
  store,
  tokens,
  onStored,
  failedSignatureLimit = 30,
  handledTypes,
  intake,
  metrics,
  bodyLimits = WEBHOOK_BODY_LIMITS,
}: WebhookDeps): Router {
  const router = Router();
  const failures = new FailedSignatures(failedSignatureLimit, FAILED_SIGNATURE_WINDOW_MS);
  const bodies = new BodyIntake(bodyLimits);
  router.post(
    '/webhook',
    ...(metrics ? [observeDeliveries(metrics)] : []),
    shortLeash(failures),
    bodies.reader((_req, res) => (res.locals.signatureLimited ? LIMITED_BODY_LIMIT : WEBHOOK_BODY_LIMIT)),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const signature = req.query.signature;
      if (!looksLikeSignature(signature) || !verifyKiwifySignature(raw, signature, tokens)) {
        req.log.warn({ bytes: raw.length, hasSignature: typeof signature === 'string' }, 'webhook recusado: assinatura inválida');
        failures.failed(req);
        res.locals.delivery = { outcome: 'rejected_signature' };
        if (res.locals.signatureLimited) return sendError(res, 429, LIMITED_MESSAGE);
        return sendError(res, 401, 'Assinatura ausente ou inválida.');
      }
      intake?.delivered();

      const parsed = parseDelivery(raw);
      if (!parsed.ok) {
        req.log.warn({ reason: parsed.message }, 'webhook recusado: conteúdo inválido');
        return sendError(res, 400, parsed.message);
      }

      const { delivery } = parsed;
      // A type no flow acts on is recorded as done with at once: nothing waits on it, no worker pass.
      // The bridge's own types (a scheduled end of access, support's removal) never come from Kiwify.
      const unhandled = handledTypes && !handledTypes.has(delivery.eventType);
      const ignored = unhandled || eventTypeInfo(delivery.eventType)?.origin === 'bridge' ? { outcome: NO_ACTION_OUTCOME } : undefined;
      try {
        const { id, duplicate } = await store.inbox.insert({ ...delivery, ignored });
        // One log line per request: these fields join its completion line (http/request-log.ts).
        res.locals.log = { eventId: id, eventType: delivery.eventType, duplicate };
        res.locals.logMessage = duplicate ? 'entrega repetida' : 'evento recebido';
        res.locals.delivery = { eventType: delivery.eventType, outcome: duplicate ? 'duplicate' : 'accepted' };
        if (!duplicate && ignored) metrics?.eventFinished(delivery.eventType, 'ignored');
        res.json({ ok: true, eventId: String(id), duplicate });
        if (!duplicate && !ignored) onStored?.();
      } catch (err) {
        req.log.error({ err }, 'não foi possível gravar o evento');
        sendError(res, 503, 'Não foi possível registrar o evento agora; a Kiwify tentará de novo.');
      }
    },
  );
  return router;
}
