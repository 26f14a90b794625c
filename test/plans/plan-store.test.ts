import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { STORE_TARGETS } from '../helpers/databases.js';

/** The plan map and its history, on SQLite and PostgreSQL alike. */
describe.each(STORE_TARGETS)('plan store: $name', (target) => {
  let now = 1_000_000;
  let store: Stores;

  beforeEach(async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    now = 1_000_000;
    store = await openStores(await target.fresh(), () => now);
  });
  afterEach(async () => {
    await store?.close();
  });

  it('sets, finds ignoring case, accents and spaces, replaces and removes a plan, recording each change', async () => {
    expect(await store.plans.isEmpty()).toBe(true);
    await store.plans.set({ name: 'Inglês Fluente', courses: [263, 280] }, 'pelo painel');
    expect(await store.plans.byName('  ingles   FLUENTE ')).toEqual({
      name: 'Inglês Fluente',
      courses: [263, 280],
      whatsappGroup: undefined,
      updatedAt: now,
    });
    now += 1_000;
    await store.plans.set(
      { name: 'Inglês Fluente', courses: [263], whatsappGroup: 'https://chat.whatsapp.com/x' },
      'pela API de administração',
    );
    expect((await store.plans.all()).map((p) => [p.name, p.courses, p.whatsappGroup])).toEqual([
      ['Inglês Fluente', [263], 'https://chat.whatsapp.com/x'],
    ]);
    expect(await store.plans.byName(undefined)).toBeUndefined();
    expect(await store.plans.remove('INGLES FLUENTE', 'pela linha de comando')).toBe(true);
    expect(await store.plans.remove('Inglês Fluente', 'pela linha de comando')).toBe(false);
    expect(await store.plans.isEmpty()).toBe(true);
    const changes = await store.plans.changes();
    expect(changes.map((c) => [c.action, c.name, c.via])).toEqual([
      ['remove', 'Inglês Fluente', 'pela linha de comando'],
      ['set', 'Inglês Fluente', 'pela API de administração'],
      ['set', 'Inglês Fluente', 'pelo painel'],
    ]);
    expect(JSON.parse(changes[1].plan!)).toEqual({ name: 'Inglês Fluente', courses: [263], whatsappGroup: 'https://chat.whatsapp.com/x' });
    expect(await store.plans.changes(1, 'Inglês Fluente')).toHaveLength(1);
  });

  it('an import makes the file the whole map; the first start imports only into an empty map', async () => {
    await store.plans.set({ name: 'Velho', courses: [1] }, 'pelo painel');
    expect(await store.plans.replaceAll([{ name: 'Novo', courses: [2] }], 'importação', { onlyIfEmpty: true })).toBe(0);
    expect(
      await store.plans.replaceAll(
        [
          { name: 'Novo', courses: [2] },
          { name: 'Outro', courses: [3] },
        ],
        'importação',
      ),
    ).toBe(2);
    expect((await store.plans.all()).map((p) => p.name)).toEqual(['Novo', 'Outro']);
    expect((await store.plans.changes()).map((c) => `${c.action} ${c.name}`)).toEqual([
      'import Outro',
      'import Novo',
      'remove Velho',
      'set Velho',
    ]);
  });

  it('first starts of several instances at once import the map once', async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () => store.plans.replaceAll([{ name: 'A', courses: [1] }], 'importação inicial', { onlyIfEmpty: true })),
    );
    expect(results.filter((n) => n > 0)).toHaveLength(1);
    expect(await store.plans.changes()).toHaveLength(1);
  });
});
