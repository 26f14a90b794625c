import { ACCESS_CHANGE_WORDS, type AccessChange } from '../../support/access-actions.js';
import type { EventDetail } from '../../support/present.js';
import { html, type Html } from '../html.js';
import { flashBanner, layout, type Flash } from './layout.js';
import { MAX_NOTE } from '../../domain/support-note.js';

const WHAT_HAPPENS: Record<AccessChange, string> = {
  remove:
    'A ponte tira do aluno os cursos que esta venda deu. Cursos que ele já tinha antes, ou que outra compra dele ainda usa, ficam. ' +
    'Se ele ficar sem nenhum curso, a conta dele no EAD é excluída (ou mantida sem cursos, conforme a configuração da ponte).',
  restore:
    'A ponte matricula o aluno de novo nos cursos do plano desta venda que ele não tiver, mesmo depois de um reembolso ou chargeback. ' +
    'O aluno é encontrado pelo CPF; se a conta dele tiver sido excluída, uma nova é criada (a história do evento diz isso) e ele recebe as boas-vindas com a senha.',
};

const PLACEHOLDER: Record<AccessChange, string> = {
  remove: 'Por quê? (ex.: aluno pediu para sair, chamado 123)',
  restore: 'Por quê? (ex.: disputa do chargeback ganha pela escola)',
};

/** The confirmation of "Remover acesso" / "Devolver acesso": what will happen, and the note. */
export function accessChangePage(e: EventDetail, change: AccessChange, flash?: Flash): Html {
  const words = ACCESS_CHANGE_WORDS[change];
  const c = e.customer;
  return layout(
    `${words.button} — evento #${e.id}`,
    html`${flashBanner(flash)}
      <p><a href="/admin/events/${e.id}">← Evento #${e.id}</a></p>
      <h1>${words.button}?</h1>
      <dl>
        <dt>Venda</dt>
        <dd>#${e.id} ${e.label}${e.orderRef ? html` · pedido ${e.orderRef}` : ''}</dd>
        <dt>Plano</dt>
        <dd>${e.plan ?? '—'}</dd>
        <dt>Aluno</dt>
        <dd>${c.name ?? '—'} · CPF ${c.cpf ?? '—'}</dd>
      </dl>
      <p>${WHAT_HAPPENS[change]}</p>
      <p class="muted">Fica registrado na história da venda quem pediu, quando e a nota.</p>
      <form method="post" action="/admin/events/${e.id}/access/${change}" class="card">
        <label class="field" for="note">Nota (obrigatória)</label>
        <textarea id="note" name="note" required maxlength="${MAX_NOTE}" placeholder="${PLACEHOLDER[change]}"></textarea>
        <div class="inline">
          <button type="submit" ${change === 'remove' ? html` class="danger"` : ''}>Confirmar: ${words.button.toLowerCase()}</button>
          <a class="button secondary" href="/admin/events/${e.id}">Cancelar</a>
        </div>
      </form>`,
    'events',
  );
}

/** The event page's card: the two changes of its sale's access, each leading to its confirmation. */
export function accessCard(e: EventDetail): Html | string {
  if (!e.actions.changeAccess) return '';
  return html`<div class="card">
    <strong>Acesso do aluno a esta venda</strong>
    <p class="muted">
      Para uma disputa de chargeback ganha pela escola, um aluno que pediu para sair e afins: pede confirmação e uma nota.
    </p>
    <p class="inline">
      <a class="button secondary" href="/admin/events/${e.id}/access/remove">Remover acesso…</a>
      <a class="button secondary" href="/admin/events/${e.id}/access/restore">Devolver acesso…</a>
    </p>
  </div>`;
}
