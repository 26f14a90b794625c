import axios, { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import { PermanentError, TransientError } from '../domain/errors.js';
import { MAX_DEPTH, parseUntrustedJson, type JsonProblem } from '../domain/untrusted-json.js';
import { upstreamLine } from '../domain/upstream-text.js';

/**
 * The hard deadline of every outbound call (EAD, ChatPro, CallMeBot, Discord, Kiwify's API, SMTP):
 * an upstream slower than this is abandoned and the work retried later. Well above their slowest
 * normal answers, and short enough that a hung call never outlives the leases around it.
 */
export const UPSTREAM_TIMEOUT_MS = 15_000;

/** Largest answer any upstream gets to send (the EAD's biggest page, 1,000 students, is ~300 KB). */
export const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

/**
 * One axios instance per external system: its base URL, no automatic JSON parsing (some upstreams
 * answer HTML error pages with a JSON content type, or JSON as text/html), and no throwing on
 * HTTP status: each client decides what a status means.
 * Every request has a hard deadline of `timeoutMs` for the whole exchange (axios' own `timeout`
 * only notices a silent socket: an upstream dripping a byte a second would never trip it) and
 * its answer is capped at `maxBytes`.
 */
export function createHttp(
  baseURL: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
  maxBytes = MAX_RESPONSE_BYTES,
): AxiosInstance {
  const http = axios.create({
    baseURL,
    timeout: timeoutMs,
    headers,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: maxBytes,
    maxBodyLength: maxBytes,
  });
  http.interceptors.request.use((config) => {
    config.signal ??= AbortSignal.timeout(timeoutMs);
    return config;
  });
  return http;
}

/**
 * Network-level failures (deadline, refused, reset, DNS, oversized answer) are always worth a
 * retry. A refused connection or an unknown host names `urlVariable`: it may be down, or the
 * address may be wrong.
 */
export function networkError(system: string, err: unknown, urlVariable?: string): TransientError {
  if (err instanceof AxiosError) {
    const timedOut = err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED';
    const check = urlVariable ? ` O serviço pode estar fora do ar, ou ${urlVariable} está errado.` : '';
    let what: string;
    if (timedOut) what = 'não respondeu a tempo.';
    else if (/maxContentLength/.test(err.message)) what = 'resposta maior que o limite aceito.';
    else if (err.code === 'ECONNREFUSED') what = `conexão recusada (ECONNREFUSED).${check}`;
    else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') what = `endereço não encontrado (${err.code}).${check}`;
    else what = `falha de rede (${err.code ?? 'desconhecida'}).`;
    return new TransientError(`${system}: ${what}`, timedOut ? 'timeout' : 'network');
  }
  return new TransientError(`${system}: ${err instanceof Error ? err.message : String(err)}`, 'network');
}

/** The external systems a call may go to (a metrics label: a fixed set). */
export type UpstreamSystem = 'ead' | 'chatpro' | 'callmebot' | 'discord' | 'kiwify' | 'mail';

/**
 * How a call ended: a 2xx, another HTTP status (3xx/4xx, or 5xx), no answer in time, no answer at
 * all; for SMTP, a refusal by its reply class (4xx: try later, 5xx: final).
 */
export type UpstreamOutcome = 'ok' | 'http_4xx' | 'http_5xx' | 'smtp_4xx' | 'smtp_5xx' | 'timeout' | 'network';

/** One finished call: the system, a fixed name of the client's operation (never a URL), how it ended, how long it took. */
export interface UpstreamCall {
  system: UpstreamSystem;
  operation: string;
  outcome: UpstreamOutcome;
  seconds: number;
}

/** Told of every call a client makes (the metrics); injected, so clients know nothing of them. */
export interface UpstreamObserver {
  upstreamCall(call: UpstreamCall): void;
}

/** What `send` reports a call as, and to whom. */
export interface CallLabel {
  observer?: UpstreamObserver;
  system: UpstreamSystem;
  operation: string;
}

/** The outcome of a call that got an answer, by its HTTP status. */
export function outcomeOfStatus(status: number): UpstreamOutcome {
  if (status >= 200 && status < 300) return 'ok';
  return status >= 500 ? 'http_5xx' : 'http_4xx';
}

/** Runs a request, turning network failures into TransientError; tells `label.observer` how it went. */
export async function send<T = string>(
  system: string,
  request: () => Promise<AxiosResponse<T>>,
  urlVariable?: string,
  label?: CallLabel,
): Promise<AxiosResponse<T>> {
  const started = performance.now();
  const report = (outcome: UpstreamOutcome) =>
    label?.observer?.upstreamCall({
      system: label.system,
      operation: label.operation,
      outcome,
      seconds: (performance.now() - started) / 1000,
    });
  let response: AxiosResponse<T>;
  try {
    response = await request();
  } catch (err) {
    const error = networkError(system, err, urlVariable);
    report(error.code === 'timeout' ? 'timeout' : 'network');
    throw error;
  }
  report(outcomeOfStatus(response.status));
  return response;
}

export function bodyText(response: AxiosResponse<unknown>): string {
  return typeof response.data === 'string' ? response.data : JSON.stringify(response.data ?? '');
}

const JSON_PROBLEMS: Record<Exclude<JsonProblem, 'invalid' | 'duplicate_key'>, string> = {
  too_deep: `aninhado demais (mais de ${MAX_DEPTH} níveis)`,
  too_large: 'grande demais',
};

/**
 * Parses a JSON body with the one parser for untrusted JSON (depth and size checked before
 * parsing), or returns undefined when the body is not JSON (an HTML error page, a cut answer:
 * each client says what that means). A body too deep or too large to be a real answer is a
 * PermanentError `upstream_bad_json` for this call, never a crash.
 */
export function parseJson(response: AxiosResponse<unknown>, system = 'Serviço externo'): unknown {
  const text = bodyText(response).trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  const parsed = parseUntrustedJson(text, { maxChars: MAX_RESPONSE_BYTES, duplicateKeys: 'last' });
  if (parsed.ok) return parsed.value;
  if (parsed.problem === 'invalid' || parsed.problem === 'duplicate_key') return undefined;
  throw new PermanentError(
    `${system} respondeu HTTP ${response.status} com um JSON ${JSON_PROBLEMS[parsed.problem]}: resposta recusada.`,
    'upstream_bad_json',
  );
}

export type StatusClass = 'transient' | 'permanent';

/**
 * Whether a refused call is worth a retry, by its HTTP status: 408, 425, 429 and 5xx are, any
 * other is not. A client that knows better for a status of its upstream says so in `overrides`.
 */
export function classifyStatus(status: number, overrides: Partial<Record<number, StatusClass>> = {}): StatusClass {
  return overrides[status] ?? (status >= 500 || status === 408 || status === 425 || status === 429 ? 'transient' : 'permanent');
}

/** The error for a refused call: transient or permanent as `classifyStatus` says. */
export function statusError(
  message: string,
  status: number,
  options: { code?: string; retryAfterMs?: number; overrides?: Partial<Record<number, StatusClass>> } = {},
): TransientError | PermanentError {
  const code = options.code ?? `http_${status}`;
  return classifyStatus(status, options.overrides) === 'transient'
    ? new TransientError(message, code, options.retryAfterMs)
    : new PermanentError(message, code);
}

/**
 * An upstream's text in one short line. An HTML error page (a CDN's 502, a login page) is told
 * by its title, or its text without markup — never pasted whole into an error or an alert.
 * Linear in a capped prefix of the text (see domain/upstream-text.ts).
 */
export function shorten(text: string, max = 200): string {
  return upstreamLine(text, max);
}

/** Longest wait an upstream's "retry after" is believed for (Discord's longest, a Cloudflare ban, is an hour). */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/**
 * How long a throttled upstream asks us to wait, in ms: Discord's `retry_after` (seconds, a
 * float, in the JSON body) or the `Retry-After` header (seconds, or an HTTP date), capped at
 * MAX_RETRY_AFTER_MS — an answer asking for days (or a typo's 1e12) must not park work for good.
 * Undefined when the answer says nothing usable.
 */
export function retryAfterOf(response: AxiosResponse<unknown>, now: number): number | undefined {
  const body = parseJson(response) as { retry_after?: unknown } | undefined;
  const header = response.headers['retry-after'] as string | undefined;
  const seconds = Number(body?.retry_after ?? header);
  let ms: number | undefined;
  if (Number.isFinite(seconds) && seconds >= 0) ms = Math.ceil(seconds * 1000);
  else if (header && !Number.isNaN(Date.parse(header))) ms = Math.max(0, Date.parse(header) - now);
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}
