import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { handlersFor } from '../../src/app/sale-handlers.js';
import {
  EAD_BOUND_EVENT_TYPES,
  eventLabel,
  eventTypeOfApiStatus,
  EVENT_TYPES,
  HANDLED_EVENT_TYPES,
  KIWIFY_EVENT_TYPES,
  SALE_EVENT_TYPES,
} from '../../src/domain/event-types.js';
import { openDatabase } from '../../src/store/open-database.js';
import { APPROVALS, SALE_TYPES } from '../../src/store/event-reads.js';
import { SIMULATED_EVENTS } from '../../src/sandbox/kiwify-samples.js';
import type { EnrolmentDeps } from '../../src/enrolment/welcome-delivery.js';
import { tempDir } from '../helpers/config.js';

describe('the event-type registry', () => {
  it('holds the lists the code used to spell out', () => {
    const sales = [
      'order_approved',
      'order_refunded',
      'chargeback',
      'subscription_renewed',
      'subscription_trial_started',
      'subscription_trial_canceled',
      'revoke_access',
      'access_removed_by_support',
      'access_restored_by_support',
    ];
    expect(SALE_EVENT_TYPES).toEqual(sales);
    expect(EAD_BOUND_EVENT_TYPES).toEqual(sales);
    expect([...HANDLED_EVENT_TYPES].sort()).toEqual([...sales, 'subscription_canceled'].sort());
    expect([...KIWIFY_EVENT_TYPES].sort()).toEqual([
      'abandoned_cart',
      'billet_created',
      'chargeback',
      'order_approved',
      'order_refunded',
      'order_rejected',
      'pix_created',
      'subscription_canceled',
      'subscription_late',
      'subscription_renewed',
      'subscription_trial_canceled',
      'subscription_trial_started',
    ]);
    expect([...SIMULATED_EVENTS].sort()).toEqual([
      'chargeback',
      'order_approved',
      'order_refunded',
      'subscription_canceled',
      'subscription_renewed',
      'subscription_trial_canceled',
      'subscription_trial_started',
    ]);
  });

  it('labels every type in Portuguese, and shows an unknown one as it came', () => {
    for (const [type, info] of Object.entries(EVENT_TYPES)) expect(eventLabel(type)).toBe(info.label);
    expect(Object.values(EVENT_TYPES).every((info) => info.label.trim() !== '')).toBe(true);
    expect(eventLabel('order_approved')).toBe('venda aprovada');
    expect(eventLabel('revoke_access')).toBe('fim do acesso agendado');
    expect(eventLabel('novo_tipo_da_kiwify')).toBe('novo_tipo_da_kiwify');
    expect(eventLabel('toString')).toBe('toString');
  });

  it("maps the statuses of Kiwify's sales API to the events the reconciliation queues", () => {
    expect(['paid', 'approved', 'refunded', 'chargedback', 'pending', 'waiting_payment'].map(eventTypeOfApiStatus)).toEqual([
      'order_approved',
      'order_approved',
      'order_refunded',
      'chargeback',
      undefined,
      undefined,
    ]);
  });

  it('has a handler for exactly the handled types (the type checks it; this shows it)', () => {
    const handlers = handlersFor({} as EnrolmentDeps);
    expect(Object.keys(handlers).sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
  });

  it("writes the sale queries' conditions as the shipped partial indexes do (so SQLite uses them)", async () => {
    const { db } = await openDatabase({ SQLITE_PATH: join(tempDir(), 'bridge.db') });
    try {
      const indexSql = async (name: string) =>
        (await sql<{ sql: string }>`select sql from sqlite_master where name = ${name}`.execute(db)).rows[0].sql;
      expect(await indexSql('events_customer_sales')).toMatch(new RegExp(`where ${escape(SALE_TYPES.compile(db).sql)}$`));
      expect(await indexSql('events_customer_sale_key')).toMatch(new RegExp(`where ${escape(SALE_TYPES.compile(db).sql)}$`));
      expect(await indexSql('events_sales_by_plan_keys')).toMatch(new RegExp(`where ${escape(APPROVALS.compile(db).sql)}$`));
    } finally {
      await db.destroy();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
