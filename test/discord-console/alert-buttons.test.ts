import { describe, expect, it } from 'vitest';
import { alertMessage, type AlertEventFacts } from '../../src/discord-console/alert-message.js';

/** The buttons on an alert follow the domain's rules of what support may do to its event. */

const event = (over: Partial<AlertEventFacts>): AlertEventFacts => ({
  id: 42,
  eventType: 'order_approved',
  orderRef: 'AbC1',
  orderId: 'o-1',
  planName: 'Excel PRO',
  customerName: 'Maria Silva',
  status: 'failed',
  lastErrorCode: 'http_503',
  ...over,
});

const labels = (e: AlertEventFacts) => {
  const { message } = alertMessage([{ text: '⚠️ *Alerta:* x', eventId: e.id, event: e }]);
  return (message.components ?? []).flatMap((row) => ('components' in row ? row.components.map((b) => ('label' in b ? b.label : '')) : []));
};

describe('alert buttons', () => {
  it('a failure that a retry may fix: Reprocessar and Resolver', () => {
    expect(labels(event({}))).toEqual(['Reprocessar', 'Resolver']);
  });

  it('a sale done whose welcome did not go out: Resolver only (running it again sends nothing)', () => {
    expect(labels(event({ status: 'done', lastErrorCode: 'welcome_not_sent' }))).toEqual(['Resolver']);
  });

  it('a sale done, or resolved: no buttons', () => {
    expect(labels(event({ status: 'done', lastErrorCode: null }))).toEqual([]);
    expect(labels(event({ status: 'resolved', lastErrorCode: 'welcome_not_sent' }))).toEqual([]);
  });
});
