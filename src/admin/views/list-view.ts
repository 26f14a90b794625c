import { causeOf } from '../../domain/causes.js';
import { forPeople } from '../../support/words-for-people.js';
import { cut } from '../../domain/text.js';
import { shown, SHOWN_LIMITS } from './shown.js';
import type { Health } from '../../support/health-report.js';
import { STATUS_LABELS, type EventSummary } from '../../support/present.js';
import { EVENT_STATUSES, type EventStatus } from '../../domain/inbox-event.js';
import { html, type Html } from '../html.js';
import { banners } from './banners.js';
import { day, flashBanner, layout, statusBadge, time, type Flash } from './layout.js';

export interface ListView {
  events: EventSummary[];
  health: Health;
  status?: EventStatus;
  cause?: string;
  q?: string;
  nextBefore?: number;
  flash?: Flash;
  /** The failures needing attention, by cause, with how many. */
  causes: Array<{ code: string | null; count: number }>;
  /** Sales done that still need a person (a welcome not sent), by cause. */
  notices: Array<{ code: string; count: number }>;
}

function listUrl(filter: { status?: string; cause?: string; q?: string; before?: number }): string {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) p.set(key, String(value));
  const qs = p.toString();
  return qs ? `/admin?${qs}` : '/admin';
}

/** A row of chips, one per cause with how many events it has. */
function causeChips(label: string, causes: Array<{ code: string; count: number }>, active: string | undefined): Html | string {
  if (causes.length === 0) return '';
  return html`<nav class="chips" aria-label="${label}">
    <span class="muted">${label}:</span>
    ${causes.map(
      (c) =>
        html`<a class="chip${active === c.code ? ' on' : ''}" href="${listUrl({ cause: c.code })}"
          >${causeOf(c.code).reason} (${c.count})</a
        >`,
    )}
  </nav>`;
}

/**
 * Filters by the cause of the failures, with "Reprocessar todos" where running them again helps;
 * and by what sales done still need (a welcome not sent).
 */
function causeFilter(v: ListView): Html | string {
  const causes = v.causes.flatMap((c) => (c.code === null ? [] : [{ code: c.code, count: c.count }]));
  const active = v.cause ? [...causes, ...v.notices].find((c) => c.code === v.cause) : undefined;
  const activeCause = v.cause ? causeOf(v.cause) : undefined;
  return html`${causeChips('Falhas por motivo', causes, v.cause)}${causeChips('Concluídos com pendência', v.notices, v.cause)}
  ${
    active && activeCause
      ? html`<div class="card todo">
          <strong>${activeCause.reason}</strong> — ${active.count} evento(s)${activeCause.notice ? '' : ' com falha'}.
          ${forPeople(activeCause.todo)}
          ${
            activeCause.retryHelps
              ? html`<p>
                  <a class="button" href="/admin/retry?code=${encodeURIComponent(v.cause!)}">Reprocessar todos (${active.count})</a>
                </p>`
              : ''
          }
        </div>`
      : ''
  }`;
}

/** The last reconciliation with Kiwify's API, in one line (nothing when it is off). */
function reconciliationLine(h: ListView['health']): Html | string {
  const r = h.reconciliation;
  if (!r || r.error) return '';
  const recovered = r.recovered ? html` — <strong>${r.recovered} venda(s) recuperada(s)</strong> (o webhook não chegou)` : '';
  return html`<p class="muted">
    🔎 Última conciliação com a Kiwify: ${time(r.lastRunAt)}, ${r.found ?? 0} venda(s) conferida(s)${recovered}.
  </p>`;
}

/**
 * The motivo of a row; with the error itself where the cause says to read it ("EAD recusou o
 * pedido: leia o erro abaixo"), and on a page filtered by cause.
 */
function motivo(e: EventSummary, filteredBy: string | undefined): Html | string {
  if (!e.reason) return '';
  const showError = e.lastError && (filteredBy !== undefined || causeOf(e.cause).readError);
  // One block: on a phone each cell is a row of label and value (a second block would squeeze the first).
  return html`<div>${e.reason}${showError ? html`<div class="muted small">${forPeople(cut(e.lastError!, 240))}</div>` : ''}</div>`;
}

export function listPage(v: ListView): Html {
  const total = Object.values(v.health.counts).reduce((a, b) => a + b, 0);
  return layout(
    'Eventos',
    html`${flashBanner(v.flash)}${banners(v.health)}
      <nav class="chips" aria-label="Filtrar por status">
        <a class="chip${v.status || v.cause ? '' : ' on'}" href="/admin">todos (${total})</a>
        ${EVENT_STATUSES.map(
          (s) =>
            html`<a class="chip${v.status === s && !v.cause ? ' on' : ''}" href="${listUrl({ status: s })}"
              >${STATUS_LABELS[s]} (${v.health.counts[s]})</a
            >`,
        )}
      </nav>
      ${causeFilter(v)}${reconciliationLine(v.health)}
      <form class="inline" method="get" action="/admin">
        ${v.status ? html`<input type="hidden" name="status" value="${v.status}" />` : ''}
        ${v.cause ? html`<input type="hidden" name="cause" value="${v.cause}" />` : ''}
        <input type="search" name="q" value="${v.q ?? ''}" placeholder="Pedido, plano, nome ou e-mail" aria-label="Buscar" />
        <button type="submit">Buscar</button>
      </form>
      <div class="table">
        <table class="cards">
          <thead>
            <tr>
              <th>#</th>
              <th>Recebido</th>
              <th>Evento</th>
              <th>Pedido</th>
              <th>Cliente</th>
              <th>Plano</th>
              <th>Status</th>
              <th>Motivo</th>
            </tr>
          </thead>
          <tbody>
            ${
              v.events.length === 0
                ? html`<tr>
                    <td colspan="8" class="muted">Nenhum evento.</td>
                  </tr>`
                : v.events.map(
                    (e) =>
                      html`<tr>
                        <td data-label="Evento"><a href="/admin/events/${e.id}">#${e.id}</a></td>
                        <td data-label="Recebido">${time(e.receivedAt)}</td>
                        <td data-label="Tipo">${e.label}</td>
                        <td data-label="Pedido">${shown(e.orderRef, SHOWN_LIMITS.ref)}</td>
                        <td data-label="Cliente">${shown(e.customerName, SHOWN_LIMITS.name)}</td>
                        <td data-label="Plano">
                          ${shown(e.plan, SHOWN_LIMITS.plan)}${e.accessUntil ? html`<div class="muted small">acesso até ${day(e.accessUntil)}</div>` : ''}
                        </td>
                        <td data-label="Status">
                          ${statusBadge(e.status, e.statusLabel)}${e.runs > 1 ? html` <span class="muted">(${e.runs} tentativas)</span>` : ''}
                        </td>
                        <td data-label="Motivo">${motivo(e, v.cause)}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      ${v.nextBefore ? html`<p><a href="${listUrl({ status: v.status, cause: v.cause, q: v.q, before: v.nextBefore })}">Mais antigos →</a></p>` : ''}`,
    'events',
  );
}

/** "Reprocessar todos": the count and the events, before support confirms. */
export function bulkRetryPage(v: { code?: string; plan?: string; ids: number[] }): Html {
  const what = v.code
    ? html`com o motivo <strong>${causeOf(v.code).reason}</strong>`
    : html`do plano <strong>${shown(v.plan, SHOWN_LIMITS.plan)}</strong>`;
  return layout(
    'Reprocessar todos',
    html`<h1>Reprocessar todos</h1>
      ${
        v.ids.length === 0
          ? html`<p>Nenhum evento com falha ${what} agora.</p>`
          : html`<p>${v.ids.length} evento(s) com falha ${what} vão rodar de novo, cada um retomando das etapas que faltam.</p>
              <p class="muted">
                ${v.ids.slice(0, 50).map((id) => html`<a href="/admin/events/${id}">#${id}</a> `)}${v.ids.length > 50 ? '…' : ''}
              </p>
              <form method="post" action="/admin/retry" class="inline">
                ${v.code ? html`<input type="hidden" name="code" value="${v.code}" />` : ''}
                ${v.plan ? html`<input type="hidden" name="plan" value="${v.plan}" />` : ''}
                <button type="submit">Reprocessar ${v.ids.length} evento(s)</button>
                <a class="button secondary" href="/admin">Cancelar</a>
              </form>`
      }`,
    'events',
  );
}
