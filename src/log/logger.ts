import { pino, type Logger, type DestinationStream } from 'pino';
import { isSensitiveKey, scrubText } from '../domain/redaction.js';

export type { Logger };

const CENSOR = '[redacted]';

/**
 * A safety net: the code logs ids, types and outcomes, never customer objects (requests are
 * logged without headers or body, errors are scrubbed). Any sensitive key at the top level or
 * one level down is censored. A key lookup per field: pino's path-based redaction with wildcards
 * cost a tenth of the webhook's throughput.
 */
export function redactSensitive(object: Record<string, unknown>, depth = 2): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    let replacement: unknown = value;
    if (isSensitiveKey(key) && value !== undefined && value !== null) replacement = CENSOR;
    else if (depth > 1 && value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Error)) {
      replacement = redactSensitive(value as Record<string, unknown>, depth - 1);
    }
    if (replacement !== value) {
      copy ??= { ...object };
      copy[key] = replacement;
    }
  }
  return copy ?? object;
}

/** Query parameters whose values are safe to log; every other value (signature, admin searches) is hidden. */
const LOGGABLE_QUERY = new Set(['status', 'limit', 'before', 'msg']);

export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const key = pair.split('=')[0];
      return LOGGABLE_QUERY.has(key) ? pair : `${key}=[redacted]`;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubText(String(err)) };
  const out: Record<string, unknown> = {
    type: err.name,
    msg: scrubText(err.message),
  };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.stack) out.stack = scrubText(err.stack);
  return out;
}

/** Requests are logged by id, method and URL (secrets masked): no headers, no body. */
const httpSerializers = {
  req: (req: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => {
    // Inside a mounted router `url` has lost its prefix; `originalUrl` is what was asked.
    const url = req.originalUrl ?? req.url;
    return { id: req.id, method: req.method, url: url ? maskUrl(url) : url };
  },
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

/**
 * stdout, written asynchronously: a line goes out at once, and lines logged while a write is in
 * flight go out together in the next one (a busy webhook logs a line per request). Flushed on
 * graceful shutdown; a kill -9 can lose the last lines, never data — the database is the record.
 */
function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false });
}

export function createLogger(level: string, destination: DestinationStream = stdoutDestination()): Logger {
  return pino(
    {
      level,
      base: undefined,
      serializers: {
        err: serializeError,
        error: serializeError,
        ...httpSerializers,
      },
      formatters: { level: (label) => ({ level: label }), log: (object) => redactSensitive(object) },
    },
    destination,
  );
}
