import type { AxiosInstance, AxiosResponse } from 'axios';
import { FlowError, PermanentError, TransientError } from '../domain/errors.js';
import type { Clock } from '../timing/clock.js';
import { abortableSleep, retry, type Sleep } from '../timing/retry.js';
import { createHttp, parseJson, retryAfterOf, send, shorten, statusError, type UpstreamObserver } from './upstream-http.js';

export interface KiwifyApiConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  timeoutMs: number;
  clock: Clock;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
  /** Waits between throttled attempts (tests shorten it); an abort of `signal` ends the wait. */
  sleep?: Sleep;
}

/** A sale as the API returns it; nothing in it is trusted (parsed again like a webhook body). */
export type ApiSale = Record<string, unknown>;

export interface SalesQuery {
  /** Creation window (required by the API, at most 90 days): `YYYY-MM-DD`. */
  startDate: string;
  endDate: string;
  /** Update window (ISO date-times), optional. */
  updatedFrom?: string;
  updatedTo?: string;
}

export interface CallOptions {
  /**
   * Aborting it ends the read at once with its reason: checked between pages, it cuts short a
   * Retry-After wait and the call under way.
   */
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  /** Called once each page's sales were taken, before the next page is asked for (the reconciler renews its lease). */
  onPage?: (page: number) => Promise<void>;
}

/** What the reconciler and the CLI need of Kiwify's public API. */
export interface KiwifyApi {
  /** Every sale of the query, page after page. */
  listSales(query: SalesQuery, options?: ListOptions): AsyncGenerator<ApiSale>;
  /** One sale with every detail (a subscription's plan, when the API tells it). */
  sale(id: string, options?: CallOptions): Promise<ApiSale | undefined>;
}

const PAGE_SIZE = 100;
/** A token is renewed this long before Kiwify says it expires. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;
/** Throttled (429) or unavailable (5xx) answers retried in place before giving up for this run. */
const MAX_THROTTLED = 3;
/** Longest Retry-After honoured in place; longer ones end the run (the next interval resumes). */
const MAX_WAIT_MS = 60_000;
/** Most pages one query may have (50,000 sales at 100 a page): a broken `pagination` cannot loop for ever. */
const MAX_PAGES = 500;
/** The code of a throttled answer (429). */
const THROTTLED = 'kiwify_throttled';

const credentialsError = (detail: string) =>
  new PermanentError(
    `Kiwify recusou as credenciais da API (KIWIFY_CLIENT_ID / KIWIFY_CLIENT_SECRET): ${detail}. Confira em Kiwify → Apps → API.`,
    'kiwify_unauthorized',
  );

/** Kiwify's `Retry-After`, or 5 s when it gives none. */
const retryAfterMs = (response: AxiosResponse<unknown>, now: number) => retryAfterOf(response, now) ?? 5_000;

/** `pagination.count` when the answer has one (a number, or a numeric string). */
function countOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Kiwify's public API: OAuth client credentials (the token is cached until shortly before it
 * expires, never asked for per call; a 401 asks for a new one once), `x-kiwify-account-id` on
 * every call, pages of 100, 429 answered with `Retry-After` waited in place a few times, 5xx
 * transient. Every call has the shared hard deadline and size cap.
 */
export class KiwifyApiClient implements KiwifyApi {
  private readonly http: AxiosInstance;
  private token?: { value: string; expiresAt: number };
  private readonly sleep: Sleep;

  constructor(private readonly config: KiwifyApiConfig) {
    this.http = createHttp(config.baseUrl, config.timeoutMs);
    this.sleep = config.sleep ?? abortableSleep;
  }

  /**
   * Pages until one comes back empty, or until as many sales as the answer's `pagination.count`
   * were taken — never by a short page: Kiwify may serve fewer than the 100 asked for.
   */
  async *listSales(query: SalesQuery, options: ListOptions = {}): AsyncGenerator<ApiSale> {
    const { signal, onPage } = options;
    let taken = 0;
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      signal?.throwIfAborted();
      const params: Record<string, string | number | boolean> = {
        start_date: query.startDate,
        end_date: query.endDate,
        page_size: PAGE_SIZE,
        page_number: page,
        view_full_sale_details: true,
      };
      if (query.updatedFrom) params.updated_at_start_date = query.updatedFrom;
      if (query.updatedTo) params.updated_at_end_date = query.updatedTo;
      const body = (await this.get('/v1/sales', params, 'list_sales', signal)) as { data?: unknown; pagination?: { count?: unknown } };
      const data = Array.isArray(body?.data) ? body.data : undefined;
      if (!data) throw new TransientError('Kiwify: resposta da lista de vendas sem "data".', 'kiwify_bad_answer');
      for (const sale of data) if (typeof sale === 'object' && sale !== null && !Array.isArray(sale)) yield sale as ApiSale;
      await onPage?.(page);
      if (data.length === 0) return;
      taken += data.length;
      const count = countOf(body.pagination?.count);
      if (count !== undefined && taken >= count) return;
    }
    throw new TransientError(`Kiwify: mais de ${MAX_PAGES} páginas numa consulta; janela grande demais.`, 'kiwify_too_many_pages');
  }

  async sale(id: string, options: CallOptions = {}): Promise<ApiSale | undefined> {
    const body = await this.get(`/v1/sales/${encodeURIComponent(id)}`, {}, 'get_sale', options.signal, true);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as ApiSale) : undefined;
  }

  /** The call's signal: the caller's abort or the shared hard deadline, whichever comes first. */
  private signalFor(signal?: AbortSignal): AbortSignal | undefined {
    return signal ? AbortSignal.any([signal, AbortSignal.timeout(this.config.timeoutMs)]) : undefined;
  }

  /** A call aborted by the caller fails with the caller's reason, not as a network timeout. */
  private async sendAbortable<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await request();
    } catch (err) {
      signal?.throwIfAborted();
      throw err;
    }
  }

  private async accessToken(signal?: AbortSignal): Promise<string> {
    const now = this.config.clock();
    if (this.token && this.token.expiresAt > now) return this.token.value;
    const form = new URLSearchParams({ client_id: this.config.clientId, client_secret: this.config.clientSecret });
    const response = await this.sendAbortable(
      () =>
        send(
          'Kiwify',
          () =>
            this.http.post<string>('/v1/oauth/token', form.toString(), {
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              signal: this.signalFor(signal),
            }),
          'KIWIFY_API_URL',
          { observer: this.config.observer, system: 'kiwify', operation: 'token' },
        ),
      signal,
    );
    const json = parseJson(response, 'Kiwify') as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw credentialsError(`HTTP ${response.status}`);
    }
    if (response.status >= 300 || typeof json?.access_token !== 'string') {
      throw statusError(
        `Kiwify não entregou o token da API (HTTP ${response.status}): ${shorten(String(response.data))}`,
        response.status,
        {
          overrides: { 200: 'transient' },
        },
      );
    }
    const lifetimeMs = Number(json.expires_in) > 0 ? Number(json.expires_in) * 1000 : 60 * 60 * 1000;
    this.token = { value: json.access_token, expiresAt: now + Math.max(lifetimeMs - TOKEN_MARGIN_MS, lifetimeMs / 2) };
    return this.token.value;
  }

  /**
   * One GET, with a throttled (429) or unavailable (5xx) answer tried again in place a few times
   * (after Kiwify's Retry-After, or 1 s, 2 s, 4 s), unless Kiwify asks for longer than MAX_WAIT_MS.
   */
  private async get(
    path: string,
    params: Record<string, string | number | boolean>,
    operation: string,
    signal?: AbortSignal,
    missingOk = false,
  ): Promise<unknown> {
    return retry(() => this.getOnce(path, params, operation, signal, missingOk), {
      attempts: 1 + MAX_THROTTLED,
      baseMs: 1_000,
      hintMs: (err) => (err instanceof FlowError && err.code === THROTTLED ? err.retryAfterMs : undefined),
      maxWaitMs: MAX_WAIT_MS,
      retryable: (err) => err instanceof FlowError && (err.code === THROTTLED || /^http_5\d\d$/.test(err.code)),
      signal,
      sleep: this.sleep,
    });
  }

  private async getOnce(
    path: string,
    params: Record<string, string | number | boolean>,
    operation: string,
    signal: AbortSignal | undefined,
    missingOk: boolean,
  ): Promise<unknown> {
    let response = await this.request(path, params, operation, signal);
    if (response.status === 401) {
      // Expired or revoked early: one new token, then the call again.
      this.token = undefined;
      response = await this.request(path, params, operation, signal);
      if (response.status === 401) throw credentialsError('o token novo também foi recusado');
    }
    if (response.status === 403) {
      throw new PermanentError(
        'Kiwify recusou a conta (KIWIFY_ACCOUNT_ID): confira o id da conta ao lado da chave da API.',
        'kiwify_account',
      );
    }
    if (response.status === 404 && missingOk) return undefined;
    const throttled = response.status === 429;
    // A throttled or unavailable answer is judged by its status alone (the retry above decides).
    const json = throttled || response.status >= 500 ? undefined : parseJson(response, 'Kiwify');
    if (response.status >= 300 || json === undefined) {
      throw statusError(`Kiwify recusou ${operation} (HTTP ${response.status}): ${shorten(String(response.data))}`, response.status, {
        code: throttled ? THROTTLED : undefined,
        retryAfterMs: throttled ? retryAfterMs(response, this.config.clock()) : undefined,
        overrides: { 200: 'transient' },
      });
    }
    return json;
  }

  private async request(
    path: string,
    params: Record<string, string | number | boolean>,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<AxiosResponse<string>> {
    const token = await this.accessToken(signal);
    return this.sendAbortable(
      () =>
        send(
          'Kiwify',
          () =>
            this.http.get<string>(path, {
              params,
              headers: { authorization: `Bearer ${token}`, 'x-kiwify-account-id': this.config.accountId },
              signal: this.signalFor(signal),
            }),
          'KIWIFY_API_URL',
          { observer: this.config.observer, system: 'kiwify', operation },
        ),
      signal,
    );
  }
}
