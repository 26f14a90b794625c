import type { ErasureRow } from '../../privacy/privacy-store.js';
import type { Health } from '../../support/health-report.js';
import { html, type Html } from '../html.js';
import { flashBanner, layout, time, type Flash } from './layout.js';

export interface PrivacyView {
  retention: Health['retention'];
  erasures: ErasureRow[];
  flash?: Flash;
  problem?: string;
}

function erasureList(rows: ErasureRow[]): Html {
  if (rows.length === 0) return html`<p class="muted">Nenhuma exclusão registrada.</p>`;
  return html`<ol class="story">
    ${rows.map(
      (r) =>
        html`<li>
          <time>${time(new Date(r.at).toISOString())}</time>Exclusão #${r.id}: ${r.events} evento(s),
          ${r.via}${r.note ? html` — ${r.note}` : ''}
        </li>`,
    )}
  </ol>`;
}

function cpfForm(problem?: string): Html {
  return html`<form method="post" action="/admin/privacy/preview" class="card">
    <h2>Apagar os dados de um titular</h2>
    <p class="muted">
      A pedido do titular (LGPD, art. 18): apaga nome, CPF, e-mail, telefone e endereço de todos os eventos encerrados dessa pessoa.
      Primeiro mostramos quantos eventos serão afetados; nada é apagado sem a sua confirmação.
    </p>
    ${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
    <label class="field" for="cpf">CPF do titular</label>
    <input id="cpf" name="cpf" type="text" inputmode="numeric" autocomplete="off" required maxlength="20" />
    <label class="field" for="note">Observação (ex.: número do chamado; não escreva o CPF)</label>
    <input id="note" name="note" type="text" maxlength="500" />
    <p><button type="submit">Ver o que será apagado</button></p>
  </form>`;
}

/** Privacidade: what is kept and for how long, erasure on request, and the record of erasures. */
export function privacyPage(v: PrivacyView): Html {
  const r = v.retention;
  return layout(
    'Privacidade',
    html`<h1>Privacidade (LGPD)</h1>
      ${flashBanner(v.flash)}
      <div class="card">
        <h2>Por quanto tempo guardamos</h2>
        <p>
          Eventos encerrados (concluídos, ignorados ou resolvidos) guardam os dados pessoais do comprador por ${r.days ?? '—'} dia(s).
          Depois ficam só o pedido, o plano, as datas e os cursos — o suficiente para reembolsos e auditoria. Falhas ficam até serem
          resolvidas.
        </p>
        <p class="muted">
          Última limpeza: ${r.lastRunAt ? html`${time(r.lastRunAt)} (${r.removed ?? 0} evento(s))` : 'ainda não executada'}.
        </p>
      </div>
      ${cpfForm(v.problem)}
      <h2>Exclusões registradas</h2>
      ${erasureList(v.erasures)}`,
    'privacy',
  );
}

export interface ErasurePreviewView {
  cpf: string;
  maskedCpf: string;
  note: string;
  events: number;
  open: number;
  shared: number;
}

/** The confirmation step: how many events, and one button that carries it out. */
export function erasurePreviewPage(v: ErasurePreviewView): Html {
  return layout(
    'Confirmar exclusão',
    html`<h1>Confirmar exclusão de dados</h1>
      <div class="card todo">
        <p>
          Titular com CPF ${v.maskedCpf}: <strong>${v.events} evento(s)</strong> terão os dados pessoais apagados. Isto não pode ser
          desfeito.
        </p>
        ${
          v.open > 0
            ? html`<p>${v.open} evento(s) ainda em andamento serão mantidos para não perder a venda: apague de novo quando terminarem.</p>`
            : ''
        }
        ${
          v.shared > 0
            ? html`<p>
                ${v.shared} evento(s) só com o mesmo e-mail serão mantidos (outro nome, ou uma falha ainda por resolver): confira-os no
                painel.
              </p>`
            : ''
        }
        <p class="muted">A conta do aluno no EAD não é alterada: se o titular pediu, exclua-a também no EAD.</p>
        <form method="post" action="/admin/privacy/erase" class="inline">
          <input type="hidden" name="cpf" value="${v.cpf}" />
          <input type="hidden" name="note" value="${v.note}" />
          <button type="submit" class="danger">Apagar definitivamente</button>
          <a class="button secondary" href="/admin/privacy">Cancelar</a>
        </form>
      </div>`,
    'privacy',
  );
}
