import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { STORE_TARGETS } from '../helpers/databases.js';

/**
 * A run's end and the story's line that tells it are one commit (issue 24: one fsync less per
 * sale, and a crash between the two can no longer leave a finished event without its line).
 */

let opened: Store[] = [];
afterEach(async () => {
  for (const s of opened) await s.close();
  opened = [];
});

const event = (n: number) => ({
  eventType: 'order_approved',
  dedupeKey: `order_approved:story-${n}`,
  customerKey: `cpf:story-${n}`,
  orderId: `story-${n}`,
  body: { order_id: `story-${n}` },
});

describe.each(STORE_TARGETS)('the status and its story line on $name', (target) => {
  it('are written together, and not at all when the claim was lost', async ({ skip }) => {
    if (!target.available) skip('TEST_DATABASE_URL não definido');
    const store = await openStore(await target.fresh());
    opened.push(store);
    const { id } = await store.inbox.insert(event(1));
    const [claim] = await store.queue.claimDue('me', 1, 60_000);
    expect(
      await store.queue.retryAt(
        claim,
        Date.now() + 60_000,
        { message: 'EAD fora', code: 'ead_unavailable' },
        { kind: 'retry', message: 'Tentativa 1 falhou.' },
      ),
    ).toBe(true);
    expect((await store.journal.history(id)).map((h) => [h.kind, h.message])).toEqual([['retry', 'Tentativa 1 falhou.']]);

    // A claim no longer held (the retry above ended it): neither the status nor the line changes.
    expect(
      await store.queue.finish(claim, 'done', 'Concluído.', undefined, undefined, { history: { kind: 'done', message: 'Concluído.' } }),
    ).toBe(false);
    expect((await store.journal.history(id)).map((h) => h.kind)).toEqual(['retry']);
    expect((await store.events.get(id))?.status).toBe('retrying');
  });
});
