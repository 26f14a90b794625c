/**
 * Every text a person reads at run time, in one place and in pt-BR:
 * alerts to support and WhatsApp messages to students. Error bodies of the HTTP API are in
 * src/http/errors.ts.
 */
import { causeOf } from './causes.js';
import { SHOWN_LIMITS, shownText } from './clean-text.js';
import { connectionLabel, type ConnectionName } from './connections.js';
import { eventLabel } from './event-types.js';
import type { EventNaming } from './inbox-event.js';

/** The school's details the welcome message carries (each line left out when unset). */
export interface WelcomeSettings {
  schoolName?: string;
  portalUrl?: string;
  androidAppUrl?: string;
  iosAppUrl?: string;
  supportWhatsapp?: string;
  /** Support's e-mail (MAIL_REPLY_TO): the e-mail welcome names it. */
  supportEmail?: string;
}

/** Sales a reconciliation summary lists one by one (the rest are counted). */
const RECOVERED_LISTED = 10;

/** The outcome of an event no flow acts on (boleto/PIX gerado, carrinho abandonado, …). */
export const NO_ACTION_OUTCOME = 'Evento registrado; nenhuma ação para este tipo.';

/**
 * "#42 venda aprovada · pedido AbC1dEf · Excel PRO · Fulano de Tal": what the buyer or the plan
 * gave shown on one line, cleaned and cut (shownText), so the cause and the link after it always fit.
 */
export function eventLine(event: EventNaming): string {
  const parts = [`#${event.id} ${eventLabel(event.eventType)}`];
  const ref = event.orderRef ?? event.orderId;
  if (ref) parts.push(`pedido ${shownText(ref, SHOWN_LIMITS.ref)}`);
  if (event.planName) parts.push(shownText(event.planName, SHOWN_LIMITS.plan));
  if (event.customerName) parts.push(shownText(event.customerName, SHOWN_LIMITS.name));
  return parts.join(' · ');
}

/** An error's words in an alert: one line, cut (upstream text and plan names may be long). */
const reasonOf = (reason: string) => shownText(reason, SHOWN_LIMITS.reason);

/**
 * A page of the admin panel as an alert names it: its full address from the server's public URL
 * (PUBLIC_URL, else Render's RENDER_EXTERNAL_URL), tappable on a phone; without one, where to
 * find it in words ("painel da ponte → Eventos → #14"), never a bare path that leads nowhere.
 */
export function panelPlace(panelUrl: string | undefined, page: { eventId?: number } = {}): string {
  const base = panelUrl?.replace(/\/+$/, '');
  if (base) return page.eventId === undefined ? `${base}/admin` : `${base}/admin/events/${page.eventId}`;
  return page.eventId === undefined ? 'o painel da ponte' : `o painel da ponte → Eventos → #${page.eventId}`;
}

/** Where support acts on an event: its page (and, when running it again helps, the CLI). */
function whereToAct(eventId: number, retryHelps: boolean, panelUrl: string | undefined): string {
  const cli = retryHelps ? ` ou \`npm run events -- retry ${eventId}\`` : '';
  // A link ends the line on its own: a period glued to it would break it on some phones.
  return `Detalhes e ações: ${panelPlace(panelUrl, { eventId })}${cli}${panelUrl && !cli ? '' : '.'}`;
}

export const messages = {
  eventFailed: (event: EventNaming, reason: string, attempts: number, exhausted: boolean, code?: string, panelUrl?: string) => {
    const cause = causeOf(code);
    return [
      `🚨 *Falha:* ${eventLine(event)}`,
      `Motivo: ${reasonOf(reason)}`,
      ...(exhausted ? [`Desistimos após ${attempts} tentativas.`] : []),
      `O que fazer: ${cause.todo}`,
      whereToAct(event.id, cause.retryHelps, panelUrl),
    ].join('\n');
  },

  enrolled: (event: EventNaming, o: { studentId: string; created: boolean; courses: number[]; welcome: string }) =>
    `✅ *Matrícula:* ${eventLine(event)}\nAluno ${o.created ? 'novo' : 'já existente'} (id ${o.studentId}); ${o.courses.length} curso(s): ${o.courses.join(', ')}.\nBoas-vindas: ${o.welcome}.`,

  welcomeSkipped: (event: EventNaming, reason: string, panelUrl?: string) =>
    [
      `⚠️ *Boas-vindas não enviadas:* ${eventLine(event)}`,
      `Motivo: ${reasonOf(reason)}`,
      'O aluno está matriculado. Corrija o celular ou o e-mail no painel para reenviar as boas-vindas, ou avise-o por outro canal (login = CPF; senha: "Esqueci minha senha" no portal).',
      `Evento: ${panelPlace(panelUrl, { eventId: event.id })}`,
    ].join('\n'),

  /** The e-mail's server refused the student's address, but the welcome reached them by WhatsApp. */
  mailRejected: (event: EventNaming, detail: string, panelUrl?: string) =>
    [
      `⚠️ *E-mail do aluno recusado:* ${eventLine(event)}`,
      `O servidor de e-mail diz que o endereço não existe ou não é válido${detail ? ` (${detail})` : ''}.`,
      'As boas-vindas chegaram pelo WhatsApp: o aluno tem o login. Confirme o e-mail com ele quando puder.',
      `Evento: ${panelPlace(panelUrl, { eventId: event.id })}`,
    ].join('\n'),

  trialWithoutEnd: (event: EventNaming) =>
    [
      `⚠️ *Teste grátis sem data de fim:* ${eventLine(event)}`,
      'A Kiwify não informou até quando vai o teste (Subscription.trial_end): o aluno foi matriculado, mas o acesso não será retirado sozinho se o teste acabar sem cobrança.',
      'Confira a assinatura na Kiwify; se o teste acabar sem pagamento, use "Remover acesso" no evento.',
    ].join('\n'),

  accessMoved: (event: EventNaming, until: string) =>
    [
      `🔁 *Acesso prorrogado:* ${eventLine(event)}`,
      `O aluno já tinha os cursos do plano; o fim do acesso passou para ${until}.`,
      'Se o contrato do aluno no EAD termina antes dessa data, prorrogue-o no EAD (a API do EAD não prorroga matrículas).',
    ].join('\n'),

  revoked: (event: EventNaming, what: string) =>
    `↩️ *${capitalize(eventLabel(event.eventType))}:* ${eventLine(event)}\n${shownText(what, SHOWN_LIMITS.reason)}`,

  revokeUnmapped: (event: EventNaming, product: string, maskedCpf: string) =>
    [
      `⚠️ *${capitalize(eventLabel(event.eventType))} sem mapa:* ${eventLine(event)}`,
      `O produto "${shownText(product, SHOWN_LIMITS.plan)}" não está no mapa de planos e nenhuma aprovação desta venda foi registrada: nada foi revogado.`,
      `Confira à mão o acesso do aluno (CPF ${maskedCpf}) no EAD.`,
    ].join('\n'),

  connectionFailing: (system: ConnectionName, reason: string, panelUrl?: string) =>
    [
      `🔌 *Conexão com o ${connectionLabel(system)} falhando*`,
      `Motivo: ${reasonOf(reason)}`,
      system === 'ead'
        ? 'As vendas ficam na fila, sem gastar tentativas, e seguem sozinhas quando a conexão voltar.'
        : 'As boas-vindas ficam aguardando nova tentativa até a conexão voltar.',
      `Painel: ${panelPlace(panelUrl)}`,
    ].join('\n'),

  connectionFailingHere: (system: ConnectionName, reason: string, panelUrl?: string) =>
    [
      `🔌 *Conexão com o ${connectionLabel(system)} falhando em uma das instâncias da ponte*`,
      `Motivo: ${reasonOf(reason)}`,
      'As outras instâncias conectam e seguem com as vendas; esta deixa esse trabalho para elas. Confira a configuração desta instância (chaves e endereços) no Render.',
      `Painel: ${panelPlace(panelUrl)}`,
    ].join('\n'),

  connectionRestored: (system: ConnectionName) =>
    `✅ *Conexão com o ${connectionLabel(system)} restabelecida*: o processamento segue normalmente.`,

  /**
   * The sales one reconciliation run queued, in one alert: one sale as before; several listed
   * without the buyers' names (the list may be long and a channel may be shared), the first
   * RECOVERED_LISTED of them; `limit` when the run stopped at its bound (a run's most).
   */
  recoveredByReconciliation: (events: EventNaming[], limit?: number) => {
    const stopped = limit
      ? [
          `⚠️ A conciliação parou ao recuperar ${limit} vendas nesta rodada, o limite de uma rodada, e a conciliação automática ficou pausada: tantas vendas sem webhook de uma vez não é normal.`,
          'Confira na Kiwify o webhook e as vendas recuperadas. Se forem legítimas, peça a um desenvolvedor para retomar (`npm run reconcile -- --resume`): a próxima conciliação continua de onde esta parou. Se parecerem estranhas, não retome e chame um desenvolvedor.',
        ]
      : ['Se isso se repetir, confira na Kiwify a URL e o token do webhook.'];
    if (events.length === 1 && !limit) {
      return [
        `🔎 *Venda recuperada pela conciliação:* ${eventLine(events[0])}`,
        'O webhook da Kiwify não chegou: a venda foi encontrada na API da Kiwify e segue o fluxo normal.',
        ...stopped,
      ].join('\n');
    }
    const listed = events.slice(0, RECOVERED_LISTED).map((e) => `• ${eventLine({ ...e, customerName: null })}`);
    const more =
      events.length > listed.length ? [`… e mais ${events.length - listed.length}: veja no painel /admin (origem: API da Kiwify).`] : [];
    return [
      `🔎 *${events.length} ${events.length === 1 ? 'venda recuperada' : 'vendas recuperadas'} pela conciliação*`,
      'O webhook da Kiwify não chegou para estas vendas: foram encontradas na API da Kiwify e seguem o fluxo normal.',
      ...listed,
      ...more,
      ...stopped,
    ].join('\n');
  },

  reconciliationFailing: (reason: string) =>
    [
      '🔎 *Conciliação com a Kiwify falhando*',
      `Motivo: ${reasonOf(reason)}`,
      'Vendas cujo webhook não chegar não serão recuperadas até isso ser resolvido; a próxima conciliação retoma de onde parou.',
    ].join('\n'),

  reconciliationRestored: () => '✅ *Conciliação com a Kiwify restabelecida*: retomada do ponto em que parou, nada ficou para trás.',

  alertsMerged: (count: number) => `🔔 *${count} alertas acumulados*`,
  alertsOmitted: (count: number, panelUrl?: string) => `… e mais ${count} alerta(s): veja ${panelPlace(panelUrl)}${panelUrl ? '' : '.'}`,
  alertsFollow: (count: number) => `… e mais ${count} alerta(s) nas próximas mensagens.`,
};

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo' });
}

/** A day as people write it, in São Paulo time: "06/12/2026". */
export function formatDay(ms: number): string {
  return new Date(ms).toLocaleDateString('pt-BR', { timeZone: 'America/Sao_Paulo' });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export const WELCOME_SKIP_REASONS: Record<string, string> = {
  chatpro_not_configured: 'ChatPro não configurado: defina CHATPRO_INSTANCE_ID e CHATPRO_TOKEN',
  missing: 'o comprador não informou celular',
  unparseable: 'o celular informado não é um número válido',
  not_brazilian: 'o celular informado não é brasileiro',
  not_mobile: 'o número informado não é de celular',
  not_on_whatsapp: 'o celular do aluno não tem WhatsApp',
  whatsapp_failing: 'o WhatsApp continuou falhando depois das novas tentativas',
  chatpro_unauthorized: 'o ChatPro recusou o token (CHATPRO_TOKEN / CHATPRO_INSTANCE_ID)',
  chatpro_disconnected: 'o WhatsApp da escola está desconectado do ChatPro',
  mail_not_configured: 'e-mail não configurado: defina SMTP_URL e MAIL_FROM',
  no_email: 'o comprador não informou e-mail',
  mail_rejected: 'e-mail do aluno recusado: o servidor de e-mail diz que o endereço não existe ou não é válido',
};

/** Why a welcome did not go out, in support's words (an unknown code is the upstream's refusal). */
export function welcomeSkipReason(reason: string | undefined): string {
  return WELCOME_SKIP_REASONS[reason ?? ''] ?? `o envio foi recusado (${String(reason)})`;
}

export interface WelcomeText {
  firstName: string;
  planName: string;
  login: string;
  /** The password to tell; absent for a student who already had an account. */
  password?: string;
  /** A new account whose generated password never reached us: the student sets one. */
  passwordUnknown?: boolean;
  /**
   * Bought together with this plan (an order bump, or the main order of one): the plan whose
   * welcome told the password of the account its approval created — this welcome points there.
   */
  passwordSentWith?: string;
  whatsappGroup?: string;
  /** A free trial: the day it ends ("06/12/2026"), told in the welcome. */
  trialUntil?: string;
  settings: WelcomeSettings;
}
