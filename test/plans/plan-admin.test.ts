import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shorten } from '../../src/clients/upstream-http.js';
import { openStores, type Stores } from '../../src/app/feature-stores.js';
import { CourseCatalog } from '../../src/plans/course-catalog.js';
import { savePlan } from '../../src/plans/plan-admin.js';
import { oneLine } from '../../src/support/story.js';
import { STORE_TARGETS } from '../helpers/databases.js';

/** Saving a plan when the EAD's catalog can and cannot be read; upstream HTML told in one line. */
describe('saving a plan against the EAD catalog', () => {
  let store: Stores;
  let now = 0;
  const clock = () => now;
  beforeEach(async () => {
    store = await openStores(await STORE_TARGETS[0].fresh(), clock);
  });
  afterEach(async () => {
    await store?.close();
  });

  it('checks ids when the catalog is readable; saves unchecked (and says so) when it is not', async () => {
    let up = true;
    let reads = 0;
    const catalog = new CourseCatalog(
      {
        unitCourses: () => {
          reads += 1;
          return up ? Promise.resolve([{ id: '35', nome: 'Administrativo' }]) : Promise.reject(new Error('EAD: tempo esgotado'));
        },
      },
      clock,
    );
    expect(await savePlan(store, catalog, { name: 'A', courses: [36] }, 'no teste')).toMatchObject({ ok: false, status: 400 });
    expect(await savePlan(store, catalog, { name: 'A', courses: [35] }, 'no teste')).toMatchObject({ ok: true, unchecked: undefined });
    expect(reads).toBe(1); // kept for an hour

    up = false;
    now += 2 * 60 * 60 * 1000;
    // Expired and unreadable: the last list read still checks the ids.
    expect(await savePlan(store, catalog, { name: 'B', courses: [36] }, 'no teste')).toMatchObject({ ok: false, status: 400 });
    const fresh = new CourseCatalog({ unitCourses: () => Promise.reject(new Error('EAD: tempo esgotado')) }, clock);
    const saved = await savePlan(store, fresh, { name: 'B', courses: [36] }, 'no teste');
    expect(saved).toMatchObject({
      ok: true,
      unchecked: 'Catálogo do EAD indisponível (EAD: tempo esgotado): os ids dos cursos não foram conferidos.',
    });
  });
});

describe('upstream text in one line', () => {
  it('tells an HTML error page by its title, or its text without markup', () => {
    expect(shorten('<!DOCTYPE html><html><head><title>502 | Cloudflare</title></head><body><h1>Error 502</h1></body></html>')).toBe(
      'página HTML "502 | Cloudflare"',
    );
    expect(shorten('<html><body><p>Acesso\n negado</p><script>var x = 1</script></body></html>')).toBe('página HTML: Acesso negado');
    expect(shorten('CPF já está em uso', 10)).toBe('CPF já est…');
    expect(oneLine('erro <b>grave</b>\n\n na linha')).toBe('erro grave na linha');
  });
});
