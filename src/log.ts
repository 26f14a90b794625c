import { pino, type Logger, type DestinationStream } from 'pino';
import { scrubText } from './domain/privacy.js';

export type { Logger };

/** Keys whose values are personal data or secrets, wherever they appear in a log object. */
const SENSITIVE_KEYS = [
  'cpf', 'CPF', 'cnpj', 'doc_cpf', 'email', 'mobile', 'phone', 'celular', 'fone', 'telefone',
  'name', 'full_name', 'first_name', 'nome', 'token', 'apikey', 'password', 'senha', 'signature',
  'authorization', 'cookie', 'number', 'message', 'text',
];

const REDACT_PATHS = [
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((key) => `*.${key}`),
  ...SENSITIVE_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Hides `signature=` (and any other secret-looking query value) in a logged URL. */
export function maskUrl(url: string): string {
  return url.replace(/([?&](?:signature|token|apikey)=)[^&]*/gi, '$1[redacted]');
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
export const httpSerializers = {
  req: (req: { id?: unknown; method?: string; url?: string }) => ({
    id: req.id,
    method: req.method,
    url: req.url ? maskUrl(req.url) : req.url,
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        err: serializeError,
        error: serializeError,
        ...httpSerializers,
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
