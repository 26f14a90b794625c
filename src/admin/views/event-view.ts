import { forPeople } from '../../support/words-for-people.js';
import { formatBrazilianMobile } from '../../domain/phone.js';
import { MAX_NOTE } from '../../domain/support-note.js';
import type { EventDetail } from '../../support/present.js';
import type { Health } from '../../support/health-report.js';
import { html, type Html } from '../html.js';
import { accessCard } from './access-view.js';
import { banners } from './banners.js';
import { resending, welcomeResendBanner, welcomeResendForms } from './welcome-view.js';
import { day, flashBanner, layout, statusBadge, time, type Flash } from './layout.js';
import { shown, SHOWN_LIMITS } from './shown.js';

/** The buyer's name on the event's page: whole, as support contacts them (cleaned, and cut only past this). */
const FULL_NAME = 300;

const row = (label: string, value: unknown) =>
  value === null || value === undefined || value === ''
    ? ''
    : html`<dt>${label}</dt>
        <dd>${value}</dd>`;

/** What support can do about this event: why it failed, what to do, and the buttons that help. */
function actions(e: EventDetail, emailWelcomes: boolean): Html {
  const a = e.actions;
  return html`${welcomeResendBanner(e)}${
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
                    <a class="button" href="/admin/plans/edit?name=${encodeURIComponent(e.plan)}"
                      >Cadastrar o plano “${shown(e.plan, SHOWN_LIMITS.plan)}”</a
                    >
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
      ${a.resendWelcome ? welcomeResendForms(e, emailWelcomes) : ''}
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

export function eventPage(e: EventDetail, health: Health, flash?: Flash, emailWelcomes = false): Html {
  const c = e.customer;
  return layout(
    `Evento #${e.id}`,
    html`${flashBanner(flash)}${banners(health)}
      <p><a href="/admin">← Eventos</a></p>
      <h1>#${e.id} ${e.label} — ${statusBadge(e.status, e.statusLabel)}</h1>
      ${actions(e, emailWelcomes)}
      <dl>
        <dt>Pedido</dt>
        <dd>${shown(e.orderRef, SHOWN_LIMITS.ref) || '—'} <span class="muted">${e.orderId ?? ''}</span></dd>
        ${row('Assinatura', e.subscriptionId)}
        <dt>Plano</dt>
        <dd>
          ${e.plan ? html`<a href="/admin/plans/edit?name=${encodeURIComponent(e.plan)}">${shown(e.plan, SHOWN_LIMITS.plan)}</a>` : '—'}
        </dd>
        ${row('Acesso até', e.accessUntil ? day(e.accessUntil) : null)}
        <dt>Cliente</dt>
        <dd>${shown(c.name, FULL_NAME) || '—'}</dd>
        <dt>E-mail</dt>
        <dd>${c.email ?? '—'}${e.welcome?.correctedEmail ? html` <span class="muted">(informado pelo suporte)</span>` : ''}</dd>
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
