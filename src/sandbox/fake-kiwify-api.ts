import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { fakeApp, listenFake, type FakeServer } from './fake-server.js';
import { Faults } from './fake-faults.js';

/** A sale as Kiwify's public API returns it (the fields the bridge reads). */
export interface ApiSale {
  id: string;
  reference: string;
  type?: string;
  status: string;
  payment_method?: string;
  created_at: string;
  updated_at: string;
  approved_date: string | null;
  refunded_at: string | null;
  product: { id: string; name: string };
  customer: { name: string; email: string; cpf?: string; cnpj?: string; mobile?: string };
  /** An order bump's main order (documented; null for a main order). */
  parent_order_id?: string | null;
  /** Not in the documented example: present here only when a test sets it (a subscription's plan). */
  subscription?: { id: string; plan?: { id?: string; name: string } };
}

export interface KiwifyApiCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export interface FakeKiwifyApi extends FakeServer<KiwifyApiCall> {
  clientId: string;
  clientSecret: string;
  accountId: string;
  sales: ApiSale[];
  faults: Faults;
  /** Seconds a token lives (`expires_in`); tokens older than this get 401. */
  tokenTtlS: number;
  /** Tokens handed out (how many times the client asked). */
  tokensIssued: number;
  /** Makes every live token expire now (the next call gets 401). */
  expireTokens(): void;
  /** The next `n` sales list calls answer 429 with `Retry-After: retryAfterS`. */
  throttleNext(n: number, retryAfterS?: number): void;
  /** Sale list answers leave out the subscription's plan (as the documented example does). */
  hidePlanInList: boolean;
  /** Most sales a page holds, whatever `page_size` asks (Kiwify's real cap is not documented). */
  pageSizeCap: number;
  /** Sale list answers come without `pagination.count`. */
  hideCount: boolean;
  /**
   * How `GET /v1/sales` reads a bare date (`YYYY-MM-DD`). `'sao-paulo'` (default) or `'utc'`:
   * midnight there, an end EXCLUDED (a sale of that day is outside), and an end not after its
   * start refused with 400 — the strictest reading Kiwify's documentation leaves possible, and
   * what one client reports. `false`: midnight UTC, an end included to its last millisecond.
   */
  strictDates: false | 'sao-paulo' | 'utc';
  /**
   * The list never ends: every page is full of sales never seen (new ids, paid, in the asked
   * window) and `pagination.count` says a billion — a broken API, or a flood.
   */
  endless: boolean;
  /** Fields a sale's details answer (`GET /v1/sales/:id`) changes, by sale id: details that disagree with the list. */
  detailChanges: Map<string, Record<string, unknown>>;
  /**
   * Called (and awaited) with each list page's number once its content is fixed, before it is
   * sent: a test can update sales between two pages, as Kiwify's buyers do during a read.
   */
  onPage?: (page: number, sales: readonly Record<string, unknown>[]) => void | Promise<void>;
  /** A sale, with sensible defaults; `at` is its update time. */
  addSale(sale: Omit<Partial<ApiSale>, 'product'> & { status: string; product: { name: string; id?: string } }): ApiSale;
}

const MAX_PAGE_SIZE = 100;
const MAX_WINDOW_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A bound of a window: an instant, and whether it is excluded (a strict bare end date). */
interface Bound {
  at: number;
  excluded: boolean;
}

/**
 * A date parameter: an ISO date-time, or `YYYY-MM-DD` — the start of that day, or for an end its
 * last millisecond (lenient) or, strict, the start of that day excluded (see `strictDates`).
 */
function parseDate(value: unknown, end: boolean, strict: FakeKiwifyApi['strictDates']): Bound | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const midnight = Date.parse(`${value}T00:00:00${strict === 'sao-paulo' ? '-03:00' : 'Z'}`);
    if (Number.isNaN(midnight)) return undefined;
    if (strict) return { at: midnight, excluded: end };
    return { at: midnight + (end ? DAY_MS - 1 : 0), excluded: false };
  }
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : { at: t, excluded: false };
}

/** Whether `t` is before the end `bound` (or at it, when it is included). */
const beforeEnd = (t: number, bound: Bound) => (bound.excluded ? t < bound.at : t <= bound.at);

/** What the routes share: the fake, its live tokens (token → expiry) and the throttled answers to come. */
interface ApiState {
  fake: FakeKiwifyApi;
  tokens: Map<string, number>;
  throttled: number[];
}

/** A sale as listed (the plan hidden when the fake says so) or as detailed. */
function shown(fake: FakeKiwifyApi, sale: ApiSale, inList: boolean) {
  if (!inList || !fake.hidePlanInList || !sale.subscription) return sale;
  const { subscription: _hidden, ...rest } = sale;
  return rest;
}

/** OAuth client credentials, and the check every other call goes through (token, account id). */
function authRoutes(app: Express, state: ApiState): express.RequestHandler {
  app.post('/v1/oauth/token', (req, res) => {
    const { fake } = state;
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.client_id !== fake.clientId || body.client_secret !== fake.clientSecret) {
      return res.status(401).json({ error: 'invalid_client', message: 'Invalid client credentials' });
    }
    const token = randomUUID();
    state.tokens.set(token, Date.now() + fake.tokenTtlS * 1000);
    fake.tokensIssued += 1;
    res.json({ access_token: token, token_type: 'Bearer', expires_in: fake.tokenTtlS, scope: 'sales' });
  });
  return (req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expires = token ? state.tokens.get(token) : undefined;
    if (!expires || expires <= Date.now()) return res.status(401).json({ message: 'Unauthorized' });
    if (req.headers['x-kiwify-account-id'] !== state.fake.accountId) return res.status(403).json({ message: 'Invalid account' });
    next();
  };
}

/** One page of `GET /v1/sales`: the sales in the window (and update window, and status), or an endless flood. */
async function salesPage(fake: FakeKiwifyApi, q: Record<string, unknown>, start: number, end: Bound) {
  const size = Math.min(Number(q.page_size ?? 10) || 10, MAX_PAGE_SIZE, fake.pageSizeCap);
  const page = Math.max(Number(q.page_number ?? 1) || 1, 1);
  if (fake.endless) {
    const at = new Date(Math.max(start, Math.min(end.at - 1, Date.now() - 60_000))).toISOString();
    const fresh = Array.from({ length: size }, () => fake.addSale({ status: 'paid', created_at: at, product: { name: 'Curso Sem Fim' } }));
    const data = fresh.map((s) => structuredClone(shown(fake, s, true)));
    await fake.onPage?.(page, data);
    return { pagination: { count: 1_000_000_000, page_number: page, page_size: size }, data };
  }
  const updatedStart = parseDate(q.updated_at_start_date, false, fake.strictDates);
  const updatedEnd = parseDate(q.updated_at_end_date, true, fake.strictDates);
  const matching = fake.sales.filter((s) => {
    const created = Date.parse(s.created_at);
    const updated = Date.parse(s.updated_at);
    if (created < start || !beforeEnd(created, end)) return false;
    if (updatedStart !== undefined && updated < updatedStart.at) return false;
    if (updatedEnd !== undefined && !beforeEnd(updated, updatedEnd)) return false;
    return typeof q.status !== 'string' || q.status === s.status;
  });
  const data = matching.slice((page - 1) * size, page * size).map((s) => structuredClone(shown(fake, s, true)));
  await fake.onPage?.(page, data);
  return {
    pagination: fake.hideCount ? { page_number: page, page_size: size } : { count: matching.length, page_number: page, page_size: size },
    data,
  };
}

function salesRoutes(app: Express, state: ApiState, authorized: express.RequestHandler): void {
  app.get('/v1/sales', authorized, async (req, res) => {
    const wait = state.throttled.shift();
    if (wait !== undefined) return res.status(429).set('retry-after', String(wait)).json({ message: 'Too many requests' });
    const q = req.query as Record<string, unknown>;
    const strict = state.fake.strictDates;
    const start = parseDate(q.start_date, false, strict);
    const end = parseDate(q.end_date, true, strict);
    if (start === undefined || end === undefined) return res.status(400).json({ message: 'start_date and end_date are required' });
    if (strict && end.at <= start.at) return res.status(400).json({ message: 'end_date precisa ser maior que start_date' });
    if (end.at - start.at > MAX_WINDOW_DAYS * DAY_MS) return res.status(400).json({ message: 'The date range must be at most 90 days' });
    res.json(await salesPage(state.fake, q, start.at, end));
  });

  app.get('/v1/sales/:id', authorized, (req, res) => {
    const { fake } = state;
    const sale = fake.sales.find((s) => s.id === req.params.id);
    if (!sale) return res.status(404).json({ message: 'Sale not found' });
    res.json({ ...shown(fake, sale, false), ...fake.detailChanges.get(sale.id) });
  });
}

/** A sale with sensible defaults (the `n`th added). */
function newSale(input: Parameters<FakeKiwifyApi['addSale']>[0], n: number): ApiSale {
  const now = new Date().toISOString();
  return {
    id: input.id ?? randomUUID(),
    reference: input.reference ?? `API${String(n).padStart(4, '0')}`,
    type: input.type ?? 'product',
    payment_method: input.payment_method ?? 'credit_card',
    created_at: input.created_at ?? now,
    updated_at: input.updated_at ?? input.created_at ?? now,
    approved_date: input.approved_date ?? (input.status === 'paid' || input.status === 'approved' ? (input.created_at ?? now) : null),
    refunded_at: input.refunded_at ?? null,
    ...input,
    product: { id: input.product.id ?? `prod-${n}`, name: input.product.name },
    customer: input.customer ?? { name: `Cliente ${n}`, email: `cliente${n}@example.com` },
  };
}

/**
 * A loopback fake of Kiwify's public API (https://public-api.kiwify.com): OAuth client
 * credentials with expiring tokens, `x-kiwify-account-id`, `GET /v1/sales` with its required
 * dates (read leniently, or strictly: `strictDates`), the 90-day window, pages of at most 100 (or `pageSizeCap`), and 429/5xx on demand;
 * `GET /v1/sales/:id`. The list is in the order sales were added (an update does not move a sale).
 */
export async function startFakeKiwifyApi(options: { port?: number } = {}): Promise<FakeKiwifyApi> {
  const calls: KiwifyApiCall[] = [];
  const faults = new Faults();
  const state = { tokens: new Map<string, number>(), throttled: [] as number[] } as ApiState;
  const app = fakeApp();
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    res.on('finish', () => {
      const call = { method: req.method, path: req.path, query: req.query as Record<string, string>, status: res.statusCode };
      calls.push(call);
      state.fake.onCall?.(call);
    });
    next();
  });
  app.use(faults.middleware());
  salesRoutes(app, state, authRoutes(app, state));

  const { url, close } = await listenFake(app, options.port);
  let n = 0;
  state.fake = {
    url,
    calls,
    close,
    clientId: 'sandbox-kiwify-client',
    clientSecret: 'sandbox-kiwify-secret',
    accountId: 'sandbox-account',
    sales: [],
    faults,
    tokenTtlS: 96 * 60 * 60,
    tokensIssued: 0,
    hidePlanInList: false,
    pageSizeCap: MAX_PAGE_SIZE,
    hideCount: false,
    strictDates: 'sao-paulo',
    endless: false,
    detailChanges: new Map(),
    expireTokens: () => {
      for (const token of state.tokens.keys()) state.tokens.set(token, 0);
    },
    throttleNext: (count, retryAfterS = 1) => {
      state.throttled.push(...Array.from({ length: count }, () => retryAfterS));
    },
    addSale: (input) => {
      const sale = newSale(input, (n += 1));
      state.fake.sales.push(sale);
      return sale;
    },
  };
  return state.fake;
}
