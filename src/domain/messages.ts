import type { EventRow } from '../store/index.js';

/**
 * Every text a person reads at run time, in one place and in pt-BR:
 * alerts to support and WhatsApp messages to students. Error bodies of the HTTP API are in
 * src/http/errors.ts.
 */

const EVENT_LABELS: Record<string, string> = {
  order_approved: 'venda aprovada',
  order_refunded: 'reembolso',
  chargeback: 'chargeback',
  subscription_canceled: 'assinatura cancelada',
  subscription_renewed: 'assinatura renovada',
  subscription_late: 'assinatura atrasada',
  billet_created: 'boleto gerado',
  pix_created: 'PIX gerado',
  order_rejected: 'compra recusada',
  abandoned_cart: 'carrinho abandonado',
  revoke_access: 'fim do acesso agendado',
};

export function eventLabel(type: string): string {
  return EVENT_LABELS[type] ?? type;
}

/** "#42 venda aprovada · pedido AbC1dEf · Excel PRO · Fulano de Tal" */
export function eventLine(event: Pick<EventRow, 'id' | 'event_type' | 'order_ref' | 'order_id' | 'plan_name' | 'customer_name'>): string {
  const parts = [`#${event.id} ${eventLabel(event.event_type)}`];
  const ref = event.order_ref ?? event.order_id;
  if (ref) parts.push(`pedido ${ref}`);
  if (event.plan_name) parts.push(event.plan_name);
  if (event.customer_name) parts.push(event.customer_name);
  return parts.join(' · ');
}

export function retryHint(eventId: number): string {
  return `Depois de corrigir, reprocesse o evento ${eventId}: botão "Reprocessar" em /admin/events/${eventId} ou \`npm run events -- retry ${eventId}\`.`;
}

export const messages = {
  eventFailed: (event: EventRow, reason: string, attempts: number, exhausted: boolean) =>
    [
      `🚨 *Falha:* ${eventLine(event)}`,
      `Motivo: ${reason}`,
      exhausted ? `Desistimos após ${attempts} tentativas.` : 'Erro permanente: não adianta tentar de novo sem corrigir.',
      retryHint(event.id),
    ].join('\n'),

  alertsMerged: (count: number) => `🔔 *${count} alertas acumulados*`,
  alertsOmitted: (count: number) => `… e mais ${count} alerta(s): veja o painel /admin.`,
};

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('pt-BR', { timeZone: 'America/Sao_Paulo' });
}
