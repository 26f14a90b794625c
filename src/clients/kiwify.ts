import type { AxiosInstance, AxiosResponse } from 'axios';
import { PermanentError, TransientError } from '../domain/errors.js';
import type { Clock } from '../timing/clock.js';
import { createHttp, parseJson, send, shorten, statusError, type UpstreamObserver } from './http.js';

export interface KiwifyApiConfig {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  accountId: string;
  timeoutMs: number;
  clock: Clock;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
  /** Waits between throttled attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
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

/** What the reconciler and the CLI need of Kiwify's public API. */
export interface KiwifyApi {
  /** Every sale of the query, page after page. */
  listSales(query: SalesQuery): AsyncGenerator<ApiSale>;
  /** One sale with every detail (a subscription's plan, when the API tells it). */
  sale(id: string): Promise<ApiSale | undefined>;
}

const PAGE_SIZE = 100;
/** A token is renewed this long before Kiwify says it expires. */
const TOKEN_MARGIN_MS = 5 * 60 * 1000;
/** Throttled (429) or unavailable (5xx) answers retried in place before giving up for this run. */
const MAX_THROTTLED = 3;
/** Longest Retry-After honoured in place; longer ones end the run (the next interval resumes). */
const MAX_WAIT_MS = 60_000;
/** Most pages one query may have (100 × 500 = 50,000 sales): a broken `pagination` cannot loop for ever. */
const MAX_PAGES = 500;

const credentialsError = (detail: string) =>
  new PermanentError(
    `Kiwify recusou as credenciais da API (KIWIFY_CLIENT_ID / KIWIFY_CLIENT_SECRET): ${detail}. Confira em Kiwify → Apps → API.`,
    'kiwify_unauthorized',
  );

function retryAfterMs(response: AxiosResponse<unknown>): number {
  const header = response.headers['retry-after'] as string | undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(date) ? 5_000 : Math.max(0, date - Date.now());
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
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly config: KiwifyApiConfig) {
    this.http = createHttp(config.baseUrl, config.timeoutMs);
    this.sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async *listSales(query: SalesQuery): AsyncGenerator<ApiSale> {
    for (let page = 1; page <= MAX_PAGES; page += 1) {
      const params: Record<string, string | number | boolean> = {
        start_date: query.startDate,
        end_date: query.endDate,
        page_size: PAGE_SIZE,
        page_number: page,
        view_full_sale_details: true,
      };
      if (query.updatedFrom) params.updated_at_start_date = query.updatedFrom;
      if (query.updatedTo) params.updated_at_end_date = query.updatedTo;
      const body = (await this.get('/v1/sales', params, 'list_sales')) as { data?: unknown; pagination?: { count?: unknown } };
      const data = Array.isArray(body?.data) ? body.data : undefined;
      if (!data) throw new TransientError('Kiwify: resposta da lista de vendas sem "data".', 'kiwify_bad_answer');
      for (const sale of data) if (typeof sale === 'object' && sale !== null && !Array.isArray(sale)) yield sale as ApiSale;
      const count = Number(body.pagination?.count);
      if (data.length < PAGE_SIZE || (Number.isFinite(count) && page * PAGE_SIZE >= count)) return;
    }
    throw new TransientError(`Kiwify: mais de ${MAX_PAGES} páginas numa consulta; janela grande demais.`, 'kiwify_too_many_pages');
  }

  async sale(id: string): Promise<ApiSale | undefined> {
    const body = await this.get(`/v1/sales/${encodeURIComponent(id)}`, {}, 'get_sale', true);
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as ApiSale) : undefined;
  }

  /** Connection check: a token can be obtained. */
  async checkConnection(): Promise<void> {
    this.token = undefined;
    await this.accessToken();
  }

  private async accessToken(): Promise<string> {
    const now = this.config.clock();
    if (this.token && this.token.expiresAt > now) return this.token.value;
    const form = new URLSearchParams({ client_id: this.config.clientId, client_secret: this.config.clientSecret });
    const response = await send(
      'Kiwify',
      () =>
        this.http.post<string>('/v1/oauth/token', form.toString(), { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      'KIWIFY_API_URL',
      { observer: this.config.observer, system: 'kiwify', operation: 'token' },
    );
    const json = parseJson(response) as { access_token?: unknown; expires_in?: unknown } | undefined;
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

  private async get(
    path: string,
    params: Record<string, string | number | boolean>,
    operation: string,
    missingOk = false,
  ): Promise<unknown> {
    let refreshed = false;
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken();
      const response = await send(
        'Kiwify',
        () =>
          this.http.get<string>(path, {
            params,
            headers: { authorization: `Bearer ${token}`, 'x-kiwify-account-id': this.config.accountId },
          }),
        'KIWIFY_API_URL',
        { observer: this.config.observer, system: 'kiwify', operation },
      );
      if (response.status === 401 && !refreshed) {
        // Expired or revoked early: one new token, then the call again.
        this.token = undefined;
        refreshed = true;
        continue;
      }
      if (response.status === 401) throw credentialsError('o token novo também foi recusado');
      if (response.status === 403) {
        throw new PermanentError(
          'Kiwify recusou a conta (KIWIFY_ACCOUNT_ID): confira o id da conta ao lado da chave da API.',
          'kiwify_account',
        );
      }
      if (response.status === 404 && missingOk) return undefined;
      if ((response.status === 429 || response.status >= 500) && attempt < MAX_THROTTLED) {
        const wait = response.status === 429 ? retryAfterMs(response) : 1_000 * 2 ** attempt;
        if (wait <= MAX_WAIT_MS) {
          await this.sleep(wait);
          continue;
        }
      }
      const json = parseJson(response);
      if (response.status >= 300 || json === undefined) {
        const retryAfter = response.status === 429 ? retryAfterMs(response) : undefined;
        throw statusError(`Kiwify recusou ${operation} (HTTP ${response.status}): ${shorten(String(response.data))}`, response.status, {
          code: response.status === 429 ? 'kiwify_throttled' : undefined,
          retryAfterMs: retryAfter,
          overrides: { 200: 'transient' },
        });
      }
      return json;
    }
  }
}
