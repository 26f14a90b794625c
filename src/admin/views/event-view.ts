import { forPeople } from '../../support/words-for-people.js';
import { formatBrazilianMobile } from '../../domain/phone.js';
import { MAX_NOTE } from '../../replay/event-replay.js';
import type { EventDetail } from '../../support/present.js';
import type { Health } from '../../support/health-report.js';
import { html, type Html } from '../html.js';
import { accessCard } from './access-view.js';
import { banners } from './banners.js';
import { day, flashBanner, layout, statusBadge, time, type Flash } from './layout.js';

const row = (label: string, value: unknown) =>
  value === null || value === undefined || value === ''
    ? ''
    : html`<dt>${label}</dt>
        <dd>${value}</dd>`;

/** After support corrected the mobile: the welcome on its way, then sent (or not, again). */
/** The welcome is being resent now (the page says that instead of "sendo processado"). */
const resending = (e: EventDetail) =>
  Boolean(e.welcome?.correctedPhone) && !e.welcome?.sent && ['pending', 'processing', 'retrying'].includes(e.status);

function welcomeResend(e: EventDetail): Html | string {
  const phone = e.welcome?.correctedPhone;
  if (!phone) return '';
  const to = html`<span class="nowrap">${formatBrazilianMobile(phone)}</span>`;
  if (e.welcome?.sent) {
    return html`<div class="banner flash" role="status">✓ Boas-vindas reenviadas por WhatsApp para o celular corrigido ${to}.</div>`;
  }
  if (resending(e)) {
    return html`<div class="banner info" role="status">Reenviando as boas-vindas para ${to}. Atualize a página em alguns segundos.</div>`;
  }
  return html`<div class="banner bad" role="status">As boas-vindas também não foram enviadas para ${to} (veja o motivo abaixo).</div>`;
}

/** What support can do about this event: why it failed, what to do, and the buttons that help. */
function actions(e: EventDetail): Html {
  const a = e.actions;
  return html`${welcomeResend(e)}${
      e.status === 'processing' && !resending(e)
        ? html`<div class="banner info" role="status">Este evento está sendo processado agora. Atualize a página em alguns segundos.</div>`
        : ''
    }${
      e.reason
        ? html`<div class="card todo">
            <h2>Motivo: ${e.reason}</h2>
            ${a.todo ? html`<p>${forPeople(a.todo)}</p>` : ''}
            ${
              e.cause === 'unmapped_plan' && e.plan
                ? html`<p>
                    <a class="button" href="/admin/plans/edit?name=${encodeURIComponent(e.plan)}">Cadastrar o plano “${e.plan}”</a>
                  </p>`
                : ''
            }
            ${e.lastError ? html`<p class="muted">${e.status === 'done' ? 'Detalhe' : 'Erro'}: ${forPeople(e.lastError)}</p>` : ''}
          </div>`
        : ''
    }
    <div class="actions">
      ${
        a.retry
          ? html`<form method="post" action="/admin/events/${e.id}/retry" class="inline">
              <button type="submit">Reprocessar</button>
              <span class="muted">Roda de novo agora, retomando das etapas que faltam.</span>
            </form>`
          : ''
      }
      ${
        a.resendWelcome
          ? html`<form method="post" action="/admin/events/${e.id}/welcome" class="card">
              <label class="field" for="phone">Corrigir celular e reenviar boas-vindas</label>
              <div class="inline">
                <input id="phone" name="phone" type="tel" inputmode="tel" placeholder="(61) 99999-8888" required maxlength="40" />
                <button type="submit">Reenviar boas-vindas</button>
              </div>
              <p class="muted">Envia só a mensagem de boas-vindas para o número corrigido (a correção fica na história).</p>
            </form>`
          : ''
      }
      ${
        a.resolve
          ? html`<form method="post" action="/admin/events/${e.id}/resolve" class="card">
              <label class="field" for="note">Marcar como resolvido</label>
              <textarea
                id="note"
                name="note"
                required
                maxlength="${MAX_NOTE}"
                placeholder="${
                  e.status === 'done'
                    ? 'Como foi resolvido (ex.: login enviado ao aluno por e-mail)'
                    : 'Como foi resolvido (ex.: cadastrado à mão no EAD com o CPF correto)'
                }"
              ></textarea>
              <button type="submit" class="secondary">Marcar como resolvido</button>
            </form>`
          : ''
      }
      ${accessCard(e)}
    </div>`;
}

export function eventPage(e: EventDetail, health: Health, flash?: Flash): Html {
  const c = e.customer;
  return layout(
    `Evento #${e.id}`,
    html`${flashBanner(flash)}${banners(health)}
      <p><a href="/admin">← Eventos</a></p>
      <h1>#${e.id} ${e.label} — ${statusBadge(e.status, e.statusLabel)}</h1>
      ${actions(e)}
      <dl>
        <dt>Pedido</dt>
        <dd>${e.orderRef ?? '—'} <span class="muted">${e.orderId ?? ''}</span></dd>
        ${row('Assinatura', e.subscriptionId)}
        <dt>Plano</dt>
        <dd>${e.plan ? html`<a href="/admin/plans/edit?name=${encodeURIComponent(e.plan)}">${e.plan}</a>` : '—'}</dd>
        ${row('Acesso até', e.accessUntil ? day(e.accessUntil) : null)}
        <dt>Cliente</dt>
        <dd>${c.name ?? '—'}</dd>
        <dt>E-mail</dt>
        <dd>${c.email ?? '—'}</dd>
        <dt>Celular</dt>
        <dd>
          ${c.phone ? (e.welcome?.correctedPhone ? formatBrazilianMobile(c.phone) : c.phone) : '—'}${
            e.welcome?.correctedPhone ? html` <span class="muted">(corrigido pelo suporte)</span>` : ''
          }
        </dd>
        <dt>CPF</dt>
        <dd>${c.cpf ?? (c.cnpj ? html`CNPJ ${c.cnpj}` : '—')}</dd>
        <dt>Origem</dt>
        <dd>${e.sourceLabel}</dd>
        <dt>Recebido</dt>
        <dd>${time(e.receivedAt)}</dd>
        <dt>Tentativas</dt>
        <dd>${e.runs}</dd>
        ${row('Próxima execução', e.nextRunAt ? time(e.nextRunAt) : null)} ${row('Resultado', e.outcome && forPeople(e.outcome))}
        ${
          e.parentId
            ? html`<dt>Agendado por</dt>
                <dd><a href="/admin/events/${e.parentId}">#${e.parentId}</a></dd>`
            : ''
        }
      </dl>
      <h2>História</h2>
      <ol class="story">
        ${e.story.map((s) => html`<li class="k-${s.kind}"><time>${time(s.at)}</time>${forPeople(s.text)}</li>`)}
      </ol>`,
    'events',
  );
}
