import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '../../src/domain/errors.js';
import type { Runtime } from '../../src/app/runtime.js';
import { startFakeCallMeBot, type FakeCallMeBot } from '../../src/sandbox/fake-callmebot.js';
import { sleep } from '../../src/sandbox/fake-server.js';
import { openStore } from '../../src/store/store.js';
import type { Handler, HandlerRegistry } from '../../src/worker/types.js';
import { tempDir } from '../helpers/config.js';
import { approvedSale, deliver } from '../helpers/kiwify.js';
import { startRuntime, waitFor } from '../helpers/runtime.js';
import type { Tuning } from '../../src/app/tuning.js';

let runtime: Runtime | undefined;
let callmebot: FakeCallMeBot | undefined;

afterEach(async () => {
  await runtime?.stop();
  await callmebot?.close();
  runtime = undefined;
  callmebot = undefined;
});

async function start(handlers: HandlerRegistry, env: Record<string, string> = {}, tuning: Partial<Tuning> = {}) {
  callmebot = await startFakeCallMeBot();
  runtime = await startRuntime({ handlers, env: { CALLMEBOT_BASE_URL: callmebot.url, ...env }, tuning });
  return runtime;
}

async function eventOf(eventId: string) {
  return runtime!.store.events.get(Number(eventId));
}

async function settled(eventId: string, status = 'done') {
  return waitFor(
    async () => {
      const e = await eventOf(eventId);
      return e?.status === status ? e : undefined;
    },
    10_000,
    `event ${eventId} ${status}`,
  );
}

describe('worker', () => {
  it('runs the handler registered for the event type and records the outcome', async () => {
    const seen: string[] = [];
    await start({
      order_approved: async (ctx) => {
        seen.push(String(ctx.body.order_id));
        return { outcome: 'Matriculado.' };
      },
    });
    const res = await deliver(runtime!.url(), approvedSale(1));
    const event = await settled(res.body.eventId);
    expect(event).toMatchObject({ outcome: 'Matriculado.', attempts: 1 });
    const lease = await runtime!.store.database.db.selectFrom('events').select('lease_owner').where('id', '=', event.id).executeTakeFirst();
    expect(lease).toEqual({ lease_owner: null });
    expect(seen).toEqual([approvedSale(1).order_id]);
  });

  it('marks event types with no handler as ignored', async () => {
    await start({});
    const res = await deliver(runtime!.url(), { ...approvedSale(1), webhook_event_type: 'pix_created' });
    const event = await settled(res.body.eventId, 'ignored');
    expect(event.outcome).toMatch(/nenhuma ação/);
  });

  it('runs 20 concurrent copies of one delivery exactly once', async () => {
    let runs = 0;
    await start({
      order_approved: async () => {
        runs += 1;
        await sleep(50);
        return { outcome: 'ok' };
      },
    });
    const sale = approvedSale(7);
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(runtime!.url(), sale)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.eventId)).size).toBe(1);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    await settled(answers[0].body.eventId);
    // One row in the inbox, done: there is nothing left that could run again.
    expect(await runtime!.store.events.list()).toHaveLength(1);
    expect(runs).toBe(1);
  });

  it('retries transient failures with growing delays, then succeeds', async () => {
    const calls: number[] = [];
    await start(
      {
        order_approved: async () => {
          calls.push(Date.now());
          if (calls.length < 3) throw new TransientError('EAD fora do ar (HTTP 503).', 'http_503');
          return { outcome: 'ok' };
        },
      },
      {},
      { retryBaseMs: 200 },
    );
    const res = await deliver(runtime!.url(), approvedSale(1));
    const event = await settled(res.body.eventId);
    expect(event.attempts).toBe(3);
    expect(calls).toHaveLength(3);
    // 200 ms ± 20 % before the first retry, 400 ms ± 20 % before the second.
    expect(calls[1] - calls[0]).toBeGreaterThanOrEqual(160);
    expect(calls[2] - calls[1]).toBeGreaterThanOrEqual(320);
    const history = await runtime!.store.journal.history(event.id);
    expect(history.map((h) => h.kind)).toEqual(['retry', 'retry', 'done']);
    expect(history[0].message).toMatch(/^Tentativa 1 de 10 falhou: EAD fora do ar \(HTTP 503\)\. Nova tentativa em /);
    expect(callmebot!.calls).toHaveLength(0);
  });

  it('a permanent failure ends failed at once, with exactly one alert naming the event and how to retry', async () => {
    let runs = 0;
    await start({
      order_approved: async () => {
        runs += 1;
        throw new PermanentError('Plano "Plano X" não está no mapa de planos.', 'unmapped_plan');
      },
    });
    const res = await deliver(runtime!.url(), approvedSale(1));
    const event = await settled(res.body.eventId, 'failed');
    expect(runs).toBe(1);
    expect(event.lastError).toBe('Plano "Plano X" não está no mapa de planos.');
    // The outbox holds exactly one alert, already sent: no second one can follow.
    await waitFor(async () => (await runtime!.store.alerts.countByStatus()).sent === 1, 5_000, 'alert sent');
    expect(await runtime!.store.alerts.countByStatus()).toEqual({ pending: 0, sent: 1, failed: 0 });
    expect(callmebot!.calls).toHaveLength(1);
    const text = callmebot!.calls[0].text;
    expect(text).toContain(`#${event.id}`);
    expect(text).toContain('Plano "Plano X" não está no mapa de planos.');
    // What to do, in support's words; no "retry" offered where running it again cannot help.
    expect(text).toContain('O que fazer: Cadastre o plano em Planos');
    expect(text).toContain(`Detalhes e ações: o painel da ponte → Eventos → #${event.id}.`);
    expect(text).not.toContain('npm run events -- retry');
  });

  it('gives up after MAX_ATTEMPTS transient failures: failed, one alert', async () => {
    let runs = 0;
    await start(
      {
        order_approved: async () => {
          runs += 1;
          throw new TransientError('ChatPro não respondeu a tempo.', 'network');
        },
      },
      {},
      { maxAttempts: 3, retryBaseMs: 20 },
    );
    const res = await deliver(runtime!.url(), approvedSale(1));
    const event = await settled(res.body.eventId, 'failed');
    expect(runs).toBe(3);
    expect(event.attempts).toBe(3);
    await waitFor(() => callmebot!.calls.length === 1, 5_000, 'alert');
    expect(callmebot!.calls[0].text).toContain('Desistimos após 3 tentativas');
  });

  it('an event that keeps crashing the process ends failed after MAX_ATTEMPTS, with an alert', async () => {
    const sqlitePath = join(tempDir(), 'crash-loop.db');
    let now = Date.now();
    const prep = await openStore({ SQLITE_PATH: sqlitePath }, () => now);
    const { id } = await prep.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k', customerKey: 'cpf:1', body: {} });
    for (let i = 0; i < 2; i += 1) {
      await prep.queue.claimDue('crashed', 1, 1_000); // each run died mid-event
      now += 2_000;
    }
    await prep.close();
    let runs = 0;
    await start({ order_approved: async () => ((runs += 1), { outcome: 'ok' }) }, { SQLITE_PATH: sqlitePath }, { maxAttempts: 2 });
    const event = await settled(String(id), 'failed');
    expect(runs).toBe(0);
    expect(event.lastError).toMatch(/O processo parou repetidamente durante este evento/);
    await waitFor(() => callmebot!.calls.length === 1, 5_000, 'alert');
  });

  it('resumes from the journal: completed steps do not run again on retry', async () => {
    const runs: string[] = [];
    const ranFirstNow: boolean[] = [];
    let failSecond = true;
    await start({
      order_approved: async (ctx) => {
        const { value: created, ranNow } = await ctx.step('cadastro', async () => {
          runs.push('cadastro');
          return { studentId: '42' };
        });
        ranFirstNow.push(ranNow);
        await ctx.step('matricula', async () => {
          runs.push('matricula');
          if (failSecond) {
            failSecond = false;
            throw new TransientError('timeout', 'network');
          }
          return { enrolled: true };
        });
        return { outcome: `aluno ${created.studentId}` };
      },
    });
    const res = await deliver(runtime!.url(), approvedSale(1));
    const event = await settled(res.body.eventId);
    expect(runs).toEqual(['cadastro', 'matricula', 'matricula']);
    expect(ranFirstNow).toEqual([true, false]); // the retry got the journaled result back
    expect(event.outcome).toBe('aluno 42');
  });

  it('never runs two events of one customer at once, and keeps their arrival order', async () => {
    const log: string[] = [];
    // A1 runs until B1 has ended: were B1 held back behind A's running event, both would wait for
    // ever (and the test fail), whatever the machine's speed.
    let releaseA1!: () => void;
    const b1Ended = new Promise<void>((resolve) => (releaseA1 = resolve));
    const slow: Handler = async (ctx) => {
      log.push(`start ${ctx.event.orderRef}`);
      if (ctx.event.orderRef === 'A1') await b1Ended;
      log.push(`end ${ctx.event.orderRef}`);
      if (ctx.event.orderRef === 'B1') releaseA1();
      return { outcome: 'ok' };
    };
    await start({ order_approved: slow, order_refunded: slow }, { WORKER_CONCURRENCY: '4' });
    const a1 = approvedSale(1, { order_ref: 'A1' });
    const a2 = { ...approvedSale(2, { order_ref: 'A2' }), Customer: a1.Customer };
    // A refund of another order of the customer (a refund of A1's own order would close it while it waits).
    const a3 = { ...a1, order_id: 'another-order-of-a', order_ref: 'A3', webhook_event_type: 'order_refunded' };
    const b1 = approvedSale(3, { order_ref: 'B1' });
    for (const sale of [a1, a2, a3, b1]) await deliver(runtime!.url(), sale);
    await waitFor(() => log.filter((l) => l.startsWith('end')).length === 4, 10_000, 'all done');
    const customerA = log.filter((l) => / A\d$/.test(l));
    expect(customerA).toEqual(['start A1', 'end A1', 'start A2', 'end A2', 'start A3', 'end A3']);
    // Another customer is not held back by A's slow event.
    expect(log.indexOf('end B1')).toBeLessThan(log.indexOf('end A1'));
  });

  it('a later event of the customer waits while an earlier one is being retried', async () => {
    const log: string[] = [];
    let failures = 2;
    await start(
      {
        order_approved: async () => {
          log.push('approved');
          if (failures-- > 0) throw new TransientError('EAD 503', 'http_503');
          return { outcome: 'ok' };
        },
        order_refunded: async () => {
          log.push('refunded');
          return { outcome: 'ok' };
        },
      },
      {},
      { retryBaseMs: 100 },
    );
    const sale = approvedSale(1);
    await deliver(runtime!.url(), sale);
    // A refund of another order of the customer: one of the same order would close the waiting approval.
    const refund = await deliver(runtime!.url(), { ...sale, order_id: 'another-order', webhook_event_type: 'order_refunded' });
    await settled(refund.body.eventId);
    expect(log).toEqual(['approved', 'approved', 'approved', 'refunded']);
  });

  it('runs an event scheduled for later when it is due, without holding anything up', async () => {
    const ran: Array<{ ref: string; at: number }> = [];
    let scheduledId = 0;
    await start({
      order_approved: async (ctx) => {
        ran.push({ ref: String(ctx.event.orderRef), at: Date.now() });
        return { outcome: 'ok' };
      },
      subscription_canceled: async (ctx) => {
        const { id } = await ctx.schedule({
          eventType: 'order_approved',
          dedupeKey: 'scheduled:1',
          customerKey: ctx.event.customerKey,
          orderRef: 'LATER',
          body: ctx.body,
          // Far enough out that the sale delivered after it runs first on a loaded machine too.
          availableAt: Date.now() + 2_000,
        });
        scheduledId = id;
        return { outcome: 'agendado' };
      },
    });
    const sale = approvedSale(1);
    const t0 = Date.now();
    await settled((await deliver(runtime!.url(), { ...sale, webhook_event_type: 'subscription_canceled' })).body.eventId);
    await settled((await deliver(runtime!.url(), { ...sale, order_ref: 'NOW', order_id: 'other' })).body.eventId);
    expect(ran.map((r) => r.ref)).toEqual(['NOW']);
    await settled(String(scheduledId));
    expect(ran.map((r) => r.ref)).toEqual(['NOW', 'LATER']);
    expect(ran[1].at - t0).toBeGreaterThanOrEqual(2_000);
    expect((await runtime!.store.events.get(scheduledId))?.parentId).toBeGreaterThan(0);
  });
});
