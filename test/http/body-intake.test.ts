import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyIntake } from '../../src/http/body-intake.js';
import { interactionBodyLimits } from '../../src/discord-console/interaction-route.js';
import { waitFor } from '../helpers/runtime.js';

/** Requests abandoned midway: once their clients are gone, the intake holds nothing of them. */
describe('BodyIntake', () => {
  // The interactions' limits, with room for all 32 from one address however slowly they are
  // accepted: none is cut for slowness or to make room before the test lets go of them.
  const intake = new BodyIntake({
    ...interactionBodyLimits(60_000),
    perAddressBodies: 64,
    evictAfterMs: 60_000,
    graceMs: 60_000,
    idleMs: 60_000,
  });
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    const app = express();
    app.post('/', intake.reader(), (_req, res) => res.json({ ok: true }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('lets go of every byte and every body of requests abandoned midway', async () => {
    const abandoned = Array.from({ length: 32 }, () => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'POST', headers: { 'content-length': '1000' } });
      req.on('error', () => undefined);
      req.write('{"a":');
      return req;
    });
    // Held first: every one of them is being received (the test would prove nothing otherwise).
    await waitFor(() => intake.load().arriving === 32 && intake.load().heldBytes === 32 * 5, 5_000, 'all bodies arriving');
    for (const req of abandoned) req.destroy();
    await waitFor(() => intake.load().arriving === 0 && intake.load().heldBytes === 0, 5_000, 'nothing held after the aborts');
    const answered = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: '{"type":1}' });
    expect(answered.status).toBe(200);
    expect(intake.load()).toEqual({ arriving: 0, heldBytes: 0 });
  });
});
