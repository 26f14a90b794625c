import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyStore, TargetNotEmptyError } from '../../src/store/store-copy.js';
import { openStores } from '../../src/app/feature-stores.js';
import { openDatabase } from '../../src/store/open-database.js';
import { tempDir } from '../helpers/config.js';
import { freshPostgresUrl, PG_URL } from '../helpers/databases.js';

describe.skipIf(!PG_URL)('moving the inbox from SQLite to PostgreSQL', () => {
  it('copies events, journal, history and alerts with their ids; new events continue after them', async () => {
    const sqlitePath = join(tempDir(), 'source.db');
    const source = await openStores({ SQLITE_PATH: sqlitePath });
    const ids: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      ids.push((await source.inbox.insert({ eventType: 'order_approved', dedupeKey: `k${i}`, customerKey: `cpf:${i}`, body: { i } })).id);
    }
    const [claimed] = await source.queue.claimDue('w', 1, 60_000);
    await source.journal.saveStep(claimed, 'find_student', { studentId: '7' });
    await source.queue.finish(claimed, 'done', 'ok');
    await source.journal.addHistory(ids[0], 'done', 'ok');
    await source.alerts.ensureChannels(['callmebot']);
    await source.alerts.enqueue(['callmebot'], { text: 'alerta', dedupeKey: 'x' });
    await source.plans.set({ name: 'Plano da Escola', courses: [35] }, 'painel');
    await source.close();

    const url = await freshPostgresUrl();
    const from = await openDatabase({ SQLITE_PATH: sqlitePath });
    const to = await openDatabase({ SQLITE_PATH: '', DATABASE_URL: url });
    expect(await copyStore(from, to)).toMatchObject({
      events: 3,
      event_steps: 1,
      event_history: 1,
      queue_heads: 2,
      alerts: 1,
      alert_channels: 1,
      plans: 1,
      plan_changes: 1,
    });
    await expect(copyStore(from, to)).rejects.toBeInstanceOf(TargetNotEmptyError);
    await from.db.destroy();
    await to.db.destroy();

    const target = await openStores({ SQLITE_PATH: '', DATABASE_URL: url });
    try {
      expect(await target.events.get(ids[0])).toMatchObject({ status: 'done', outcome: 'ok' });
      expect(Object.fromEntries(await target.journal.loadSteps(ids[0]))).toEqual({ find_student: { studentId: '7' } });
      expect(await target.inbox.insert({ eventType: 'order_approved', dedupeKey: 'k1', customerKey: 'cpf:1', body: {} })).toEqual({
        id: ids[1],
        duplicate: true,
      });
      const fresh = await target.inbox.insert({ eventType: 'order_approved', dedupeKey: 'new', customerKey: 'cpf:9', body: {} });
      expect(fresh.id).toBeGreaterThan(Math.max(...ids));
      expect((await target.alerts.due('callmebot', 10)).map((a) => a.text)).toEqual(['alerta']);
      // The sales still waiting are claimed on the new store (its queue heads came along).
      expect((await target.queue.claimDue('w', 10, 60_000)).map((e) => e.id).sort()).toEqual([ids[1], ids[2], fresh.id].sort());
      expect((await target.plans.all()).map((p) => p.name)).toEqual(['Plano da Escola']);
    } finally {
      await target.close();
    }
  });
});
