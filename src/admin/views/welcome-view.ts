import { formatBrazilianMobile } from '../../domain/phone.js';
import type { EventDetail } from '../../support/present.js';
import { html, type Html } from '../html.js';

/**
 * The welcome on an event's page: after support corrected the mobile or gave an address, the
 * welcome on its way, then sent (or not, again); and the forms that resend it, by WhatsApp with a
 * corrected mobile or by e-mail (when an SMTP server is configured) to the address, corrected or not.
 */

/** Where support sent it: the corrected address (e-mail) or mobile (WhatsApp), the one last asked for. */
function correction(e: EventDetail): { channel: string; to: Html } | undefined {
  const w = e.welcome;
  if (w?.correctedEmail && (!w.correctedPhone || w.channels.includes('email') || !w.channels.includes('whatsapp'))) {
    return { channel: 'e-mail para o endereço informado', to: html`<span class="nowrap">${w.correctedEmail}</span>` };
  }
  if (w?.correctedPhone) {
    return {
      channel: 'WhatsApp para o celular corrigido',
      to: html`<span class="nowrap">${formatBrazilianMobile(w.correctedPhone)}</span>`,
    };
  }
  return undefined;
}

/** The welcome is being resent now (the page says that instead of "sendo processado"). */
export const resending = (e: EventDetail) =>
  correction(e) !== undefined && !e.welcome?.sent && ['pending', 'processing', 'retrying'].includes(e.status);

export function welcomeResendBanner(e: EventDetail): Html | string {
  const fixed = correction(e);
  if (!fixed) return '';
  if (e.welcome?.sent) {
    return html`<div class="banner flash" role="status">✓ Boas-vindas reenviadas por ${fixed.channel} ${fixed.to}.</div>`;
  }
  if (resending(e)) {
    return html`<div class="banner info" role="status">
      Reenviando as boas-vindas para ${fixed.to}. Atualize a página em alguns segundos.
    </div>`;
  }
  return html`<div class="banner bad" role="status">
    As boas-vindas também não foram enviadas para ${fixed.to} (veja o motivo abaixo).
  </div>`;
}

/** "Reenviar boas-vindas": by WhatsApp to a corrected mobile; by e-mail, when configured, to the address shown (editable). */
export function welcomeResendForms(e: EventDetail, emailWelcomes: boolean): Html {
  const byEmail = emailWelcomes
    ? html`<form method="post" action="/admin/events/${e.id}/welcome" class="card">
        <input type="hidden" name="channel" value="email" />
        <label class="field" for="email">Reenviar boas-vindas por e-mail</label>
        <div class="inline">
          <input
            id="email"
            name="email"
            type="email"
            value="${e.customer.email ?? ''}"
            placeholder="aluna@exemplo.com"
            required
            maxlength="320"
          />
          <button type="submit">Reenviar por e-mail</button>
        </div>
        <p class="muted">Corrija o endereço se for o caso: envia só a mensagem de boas-vindas (login e senha) para ele.</p>
      </form>`
    : '';
  return html`<form method="post" action="/admin/events/${e.id}/welcome" class="card">
      <input type="hidden" name="channel" value="whatsapp" />
      <label class="field" for="phone">Corrigir celular e reenviar boas-vindas</label>
      <div class="inline">
        <input id="phone" name="phone" type="tel" inputmode="tel" placeholder="(61) 99999-8888" required maxlength="40" />
        <button type="submit">Reenviar boas-vindas</button>
      </div>
      <p class="muted">Envia só a mensagem de boas-vindas pelo WhatsApp para o número corrigido (a correção fica na história).</p>
    </form>
    ${byEmail}`;
}
