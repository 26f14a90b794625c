import { STATUS_LABELS, type EventDetail, type EventSummary } from '../../support/present.js';
import type { Health } from '../../support/operations.js';
import { formatTime } from '../../domain/messages.js';
import { EVENT_STATUSES, type EventStatus } from '../../store/schema.js';
import { html, trusted, type Html } from './html.js';

/** The admin pages (pt-BR, server-rendered, no build step, usable on a phone). */

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2433;background:#f4f6fa}
header{background:#1d2433;color:#fff;padding:.7rem 1rem;display:flex;gap:1rem;align-items:center;justify-content:space-between}
header a{color:#fff;text-decoration:none;font-weight:600}main{padding:1rem;max-width:1100px;margin:0 auto}
.banner{padding:.7rem 1rem;border-radius:8px;margin:.5rem 0;background:#fff4d6;border:1px solid #f0c36d}
.banner.bad{background:#fde8e8;border-color:#f5a3a3}.flash{background:#e6f6ec;border-color:#8fd3a8}
.chips{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0}.chip{padding:.3rem .7rem;border-radius:999px;background:#fff;border:1px solid #d5dbe5;text-decoration:none;color:inherit}
.chip.on{background:#1d2433;color:#fff}form.search{display:flex;flex-wrap:wrap;gap:.5rem;margin:.6rem 0}
input,select,button{font:inherit;padding:.45rem .6rem;border:1px solid #c4ccd8;border-radius:6px;background:#fff}
button{background:#2456d6;color:#fff;border-color:#2456d6;cursor:pointer}button.secondary{background:#fff;color:#1d2433;border-color:#c4ccd8}
.table{overflow-x:auto;background:#fff;border-radius:8px;border:1px solid #dde3ec}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #eef1f6;vertical-align:top}th{font-size:.8rem;text-transform:uppercase;color:#5b6678}
td a{color:#2456d6}.status{font-weight:600;white-space:nowrap}.s-failed{color:#c62828}.s-done{color:#2e7d32}.s-retrying,.s-processing{color:#b26a00}.s-ignored{color:#6b7280}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;background:#fff;padding:1rem;border-radius:8px;border:1px solid #dde3ec}dt{color:#5b6678}dd{margin:0;word-break:break-word}
ol.story{list-style:none;padding:0}ol.story li{background:#fff;border:1px solid #dde3ec;border-left:4px solid #9aa5b8;border-radius:6px;padding:.5rem .7rem;margin:.4rem 0}
ol.story li.k-failed{border-left-color:#c62828}ol.story li.k-retry{border-left-color:#b26a00}ol.story li.k-done,ol.story li.k-step{border-left-color:#2e7d32}
ol.story time{display:block;font-size:.8rem;color:#5b6678}pre{white-space:pre-wrap;word-break:break-word;font-size:.8rem;margin:.3rem 0 0}
.login{max-width:380px;margin:10vh auto;background:#fff;padding:1.5rem;border-radius:10px;border:1px solid #dde3ec}.login input{width:100%;margin:.5rem 0}
.error{color:#c62828}.muted{color:#5b6678}nav.session{display:flex;flex-wrap:wrap;gap:.4rem;justify-content:flex-end}
@media (max-width:640px){th.opt,td.opt{display:none}main{padding:.6rem}}
`;

function layout(title: string, body: Html, signedIn = true): Html {
  return html`<!doctype html>
    <html lang="pt-BR">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Ponte Kiwify → EAD</title>
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <a href="/admin">Ponte Kiwify → EAD</a>${
            signedIn
              ? html`<nav class="session">
                  <form method="post" action="/admin/logout"><button class="secondary" type="submit">Sair</button></form>
                  <form method="post" action="/admin/logout-all">
                    <button class="secondary" type="submit">Sair de todos os dispositivos</button>
                  </form>
                </nav>`
              : ''
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`;
}

const time = (isoTime: string | null) => (isoTime ? formatTime(Date.parse(isoTime)) : '—');
const statusBadge = (status: EventStatus, label: string) => html`<span class="status s-${status}">${label}</span>`;

export function loginPage(error?: string): Html {
  return layout(
    'Entrar',
    html`<form class="login" method="post" action="/admin/login">
      <h1>Painel de eventos</h1>
      <p class="muted">Entre com o token de administração (ADMIN_TOKEN).</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <button type="submit">Entrar</button>
    </form>`,
    false,
  );
}

const SYSTEM_LABELS: Record<string, string> = { ead: 'EAD', chatpro: 'ChatPro' };
const WHILE_DOWN: Record<string, string> = {
  ead: 'As vendas aguardam na fila, sem gastar tentativas, e seguem sozinhas quando a conexão voltar.',
  chatpro: 'As boas-vindas aguardam nova tentativa.',
};

function banners(h: Health): Html {
  return html`${h.connections
    .filter((c) => !c.ok)
    .map(
      (c) =>
        html`<div class="banner bad" role="alert">
          🔌 Sem conexão com o ${SYSTEM_LABELS[c.name] ?? c.name} desde ${time(c.since)}: ${c.detail ?? 'erro desconhecido'}
          ${WHILE_DOWN[c.name] ?? ''}
        </div>`,
    )}${
    h.workerBehind
      ? html`<div class="banner bad" role="alert">
          ⚠️ O processamento está atrasado: há evento esperando há ${Math.round(h.oldestDueWaitMs / 60000)} min.
        </div>`
      : ''
  }${h.failingChannels.map(
    (c) =>
      html`<div class="banner bad" role="alert">
        ⚠️ Alertas não estão sendo entregues pelo canal ${c.channel}: ${c.error ?? 'erro desconhecido'}.
      </div>`,
  )}${h.alerts.failed > 0 ? html`<div class="banner">${h.alerts.failed} alerta(s) não puderam ser entregues (veja os logs).</div>` : ''}${
    h.counts.failed > 0
      ? html`<div class="banner">${h.counts.failed} evento(s) com falha precisam de atenção. <a href="/admin?status=failed">Ver</a></div>`
      : ''
  }`;
}

export interface ListView {
  events: EventSummary[];
  health: Health;
  status?: EventStatus;
  q?: string;
  nextBefore?: number;
  flash?: string;
}

export function listPage(v: ListView): Html {
  const link = (status?: EventStatus) => `/admin${status ? `?status=${status}` : ''}`;
  const total = Object.values(v.health.counts).reduce((a, b) => a + b, 0);
  const qs = (before: number) => {
    const p = new URLSearchParams();
    if (v.status) p.set('status', v.status);
    if (v.q) p.set('q', v.q);
    p.set('before', String(before));
    return `/admin?${p.toString()}`;
  };
  return layout(
    'Eventos',
    html`${v.flash ? html`<div class="banner flash" role="status">${v.flash}</div>` : ''}${banners(v.health)}
      <nav class="chips" aria-label="Filtrar por status">
        <a class="chip${v.status ? '' : ' on'}" href="/admin">todos (${total})</a>
        ${EVENT_STATUSES.map((s) => html`<a class="chip${v.status === s ? ' on' : ''}" href="${link(s)}">${STATUS_LABELS[s]} (${v.health.counts[s]})</a>`)}
      </nav>
      <form class="search" method="get" action="/admin">
        ${v.status ? html`<input type="hidden" name="status" value="${v.status}" />` : ''}
        <input type="search" name="q" value="${v.q ?? ''}" placeholder="Pedido, plano, nome ou e-mail" aria-label="Buscar" />
        <button type="submit">Buscar</button>
      </form>
      <div class="table">
        <table>
          <thead>
            <tr>
              <th>#</th>
              <th class="opt">Recebido</th>
              <th>Evento</th>
              <th class="opt">Pedido</th>
              <th>Cliente</th>
              <th class="opt">Plano</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            ${
              v.events.length === 0
                ? html`<tr>
                    <td colspan="7" class="muted">Nenhum evento.</td>
                  </tr>`
                : v.events.map(
                    (e) =>
                      html`<tr>
                        <td><a href="/admin/events/${e.id}">#${e.id}</a></td>
                        <td class="opt">${time(e.receivedAt)}</td>
                        <td>${e.label}</td>
                        <td class="opt">${e.orderRef ?? '—'}</td>
                        <td>${e.customerName ?? '—'}</td>
                        <td class="opt">${e.plan ?? '—'}</td>
                        <td>
                          ${statusBadge(e.status, e.statusLabel)}${e.attempts > 1 ? html` <span class="muted">(${e.attempts} tentativas)</span>` : ''}
                        </td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      ${v.nextBefore ? html`<p><a href="${qs(v.nextBefore)}">Mais antigos →</a></p>` : ''}`,
  );
}

export function eventPage(e: EventDetail, health: Health, flash?: { text: string; bad?: boolean }): Html {
  const c = e.customer;
  return layout(
    `Evento #${e.id}`,
    html`${flash ? html`<div class="banner ${flash.bad ? 'bad' : 'flash'}" role="status">${flash.text}</div>` : ''}${banners(health)}
      <p><a href="/admin">← Eventos</a></p>
      <h1>#${e.id} ${e.label} — ${statusBadge(e.status, e.statusLabel)}</h1>
      ${
        e.retryable
          ? html`<form method="post" action="/admin/events/${e.id}/retry">
              <button type="submit">Reprocessar</button> <span class="muted">Roda de novo agora, retomando das etapas que faltam.</span>
            </form>`
          : ''
      }
      <dl>
        <dt>Pedido</dt>
        <dd>${e.orderRef ?? '—'} <span class="muted">${e.orderId ?? ''}</span></dd>
        ${
          e.subscriptionId
            ? html`<dt>Assinatura</dt>
                <dd>${e.subscriptionId}</dd>`
            : ''
        }
        <dt>Plano</dt>
        <dd>${e.plan ?? '—'}</dd>
        <dt>Cliente</dt>
        <dd>${c.name ?? '—'}</dd>
        <dt>E-mail</dt>
        <dd>${c.email ?? '—'}</dd>
        <dt>Celular</dt>
        <dd>${c.phone ?? '—'}</dd>
        <dt>CPF</dt>
        <dd>${c.cpf ?? (c.cnpj ? html`CNPJ ${c.cnpj}` : '—')}</dd>
        <dt>Recebido</dt>
        <dd>${time(e.receivedAt)}</dd>
        <dt>Tentativas</dt>
        <dd>${e.attempts}</dd>
        ${
          e.nextRunAt
            ? html`<dt>Próxima execução</dt>
                <dd>${time(e.nextRunAt)}</dd>`
            : ''
        }
        ${
          e.lastError
            ? html`<dt>Último erro</dt>
                <dd class="error">${e.lastError}</dd>`
            : ''
        }
        ${
          e.outcome
            ? html`<dt>Resultado</dt>
                <dd>${e.outcome}</dd>`
            : ''
        }
        ${
          e.parentId
            ? html`<dt>Agendado por</dt>
                <dd><a href="/admin/events/${e.parentId}">#${e.parentId}</a></dd>`
            : ''
        }
      </dl>
      <h2>História</h2>
      <ol class="story">
        ${e.story.map(
          (s) =>
            html`<li class="k-${s.kind}">
              <time>${time(s.at)}</time>${s.text}${
                s.detail !== undefined && s.detail !== null ? html`<pre>${JSON.stringify(s.detail)}</pre>` : ''
              }
            </li>`,
        )}
      </ol>`,
  );
}

export function messagePage(title: string, text: string): Html {
  return layout(
    title,
    html`<p>${text}</p>
      <p><a href="/admin">← Eventos</a></p>`,
  );
}
