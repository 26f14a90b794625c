import express from 'express';
import { fakeApp, listenFake, sleep } from '../../src/sandbox/fake-server.js';

/**
 * Records the steps a server process (step-server.ts) runs; can hold a step open, or answer slowly:
 * `hold` is keyed by step name, or by `step@eventId` for one event's step only.
 */
export async function startRecorder() {
  const calls: Array<{ step: string; pid: string; event: string }> = [];
  const hold = new Map<string, 'forever' | number>();
  const app = fakeApp();
  app.post('/step/:step', express.raw(), async (req, res) => {
    const step = req.params.step;
    const event = typeof req.query.event === 'string' ? req.query.event : '';
    calls.push({
      step,
      pid: typeof req.query.pid === 'string' ? req.query.pid : '',
      event,
    });
    const key = hold.has(`${step}@${event}`) ? `${step}@${event}` : step;
    const rule = hold.get(key);
    if (rule === 'forever') return; // never answers: the process is killed mid-step
    if (typeof rule === 'number') await sleep(rule);
    hold.delete(key);
    res.json({ ok: true });
  });
  const server = await listenFake(app);
  return { ...server, calls, hold };
}
