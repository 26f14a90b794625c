import { connectionLabel } from '../../domain/connections.js';
import { forPeople, sentence } from '../../support/words-for-people.js';
import type { Health } from '../../support/health-report.js';
import { html, type Html } from '../html.js';
import { time } from './layout.js';

/** The alert channels as support knows them. */
const CHANNEL_LABELS: Record<string, string> = { callmebot: 'WhatsApp (CallMeBot)', discord: 'Discord' };
/** An upstream's error as support reads it: one sentence, no variable names (logs keep them). */
const said = (error: string | null | undefined) => forPeople(sentence(error ?? 'erro desconhecido'));
const WHILE_DOWN: Record<string, string> = {
  ead: 'As vendas aguardam na fila, sem gastar tentativas, e seguem sozinhas quando a conexão voltar.',
  chatpro: 'As boas-vindas aguardam nova tentativa.',
};

/** What support must know on every page: upstreams down, the worker behind, alerts not delivered, failures. */
export function banners(h: Health): Html {
  return html`${h.connections
    .filter((c) => !c.ok)
    .map(
      (c) =>
        html`<div class="banner bad" role="alert">
          🔌 Sem conexão com o ${connectionLabel(c.name)} desde ${time(c.since)}: ${said(c.detail)} ${WHILE_DOWN[c.name] ?? ''}
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
        ⚠️ Os alertas não estão chegando pelo ${CHANNEL_LABELS[c.channel] ?? c.channel}:
        ${said(c.error).replace(/^(CallMeBot|Discord): /, '')}
      </div>`,
  )}${
    h.reconciliation?.error
      ? html`<div class="banner bad" role="alert">
          🔎 A conciliação com a Kiwify falhou em ${time(h.reconciliation.lastRunAt)}: ${said(h.reconciliation.error)} Vendas cujo webhook
          não chegar ainda não estão sendo recuperadas; a próxima conciliação retoma de onde parou.
        </div>`
      : ''
  }${h.alerts.failed > 0 ? html`<div class="banner">${h.alerts.failed} alerta(s) não puderam ser entregues: peça a quem cuida do servidor para olhar os registros (logs).</div>` : ''}${
    h.counts.failed > 0
      ? html`<div class="banner">${h.counts.failed} evento(s) com falha precisam de atenção. <a href="/admin?status=failed">Ver</a></div>`
      : ''
  }`;
}
