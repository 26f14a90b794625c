import type { Request } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.js';
import { BoundedCounts, MAX_COUNTED_KEYS } from '../../src/http/bounded-counts.js';
import { addressKey } from '../../src/http/client-address.js';
import { FailedSignatures } from '../../src/http/failed-signatures.js';
import { startRuntime } from '../helpers/runtime.js';
import { ADMIN } from '../helpers/admin.js';

/**
 * The per-address counters of wrong signatures and wrong admin tokens (finding 3): one entry per
 * client key for their whole window made 300,000 IPv6 /56 forwarded behind TRUST_PROXY fill the
 * heap. They now hold MAX_COUNTED_KEYS keys at most, and the short leash still holds for the
 * addresses that keep failing.
 */

const from = (ip: string) => ({ ip, socket: {} }) as unknown as Request;
/** The n-th /56 of 2001:db8::/32. */
const block = (n: number) => `2001:db8:${(n >> 8).toString(16)}:${((n & 0xff) << 8).toString(16)}::1`;

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

describe('bounded counters', () => {
  it(`120,000 distinct /56 failing a signature: at most ${MAX_COUNTED_KEYS} remembered; the attacker who keeps failing stays on the leash`, () => {
    const failures = new FailedSignatures(30, 10 * 60_000);
    const attacker = from('203.0.113.9');
    for (let i = 0; i < 30; i += 1) failures.failed(attacker);
    expect(failures.limited(attacker)).toBe(true);
    for (let n = 0; n < 120_000; n += 1) {
      failures.failed(from(block(n)));
      if (n % 1000 === 0) failures.failed(attacker); // still at it
    }
    expect(failures.size).toBeLessThanOrEqual(MAX_COUNTED_KEYS);
    expect(failures.limited(attacker)).toBe(true);
    expect(failures.limited(from(block(119_999)))).toBe(false);
  });

  it('a count ends with its window, and the least recently counted key goes first', () => {
    let now = 0;
    const counts = new BoundedCounts(2, () => now);
    counts.init({ windowMs: 1_000 });
    counts.increment('a');
    counts.increment('b');
    counts.increment('a');
    counts.increment('c'); // b, counted least recently, goes
    expect(counts.get('b')).toBeUndefined();
    expect(counts.get('a')?.totalHits).toBe(2);
    now = 1_000;
    expect(counts.get('a')).toBeUndefined();
    expect(counts.increment('a').totalHits).toBe(1);
  });

  it('IPv6 addresses of one /56 share a key; IPv4, mapped or not, is itself', () => {
    expect(addressKey('2001:db8:0:1ff::1')).toBe(addressKey('2001:db8:0:100:abcd::9'));
    expect(addressKey('2001:db8:0:200::1')).not.toBe(addressKey('2001:db8:0:100::1'));
    expect(addressKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });
});

describe('the admin token limiter behind a trusted proxy', () => {
  it('counts wrong tokens per /56 (a host cannot reset it with new addresses of its block)', async () => {
    runtime = await startRuntime({ env: { TRUST_PROXY: 'loopback', ADMIN_TOKEN: ADMIN } });
    for (let i = 1; i <= 10; i += 1) {
      const res = await request(runtime.app)
        .post('/admin/login')
        .set('x-forwarded-for', `2001:db8:0:1${i.toString(16).padStart(2, '0')}::${i}`)
        .type('form')
        .send({
          token: 'errado',
        });
      expect(res.status).toBe(401);
    }
    const limited = await request(runtime.app).post('/admin/login').set('x-forwarded-for', '2001:db8:0:1ff::77').type('form').send({
      token: 'errado',
    });
    expect(limited.status).toBe(429);
    const elsewhere = await request(runtime.app).post('/admin/login').set('x-forwarded-for', '2001:db8:0:200::1').type('form').send({
      token: 'errado',
    });
    expect(elsewhere.status).toBe(401);
  });
});
