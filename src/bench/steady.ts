import http from 'node:http';
import { MAX_CONNECTIONS_PER_ADDRESS } from '../http/http-server.js';

export interface SteadyResult {
  sent: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/**
 * Open-loop load at a constant rate: a request every 1000/rate ms whether or not earlier ones
 * were answered (autocannon's rate limit sends each connection's quota in a burst at the start of
 * every second, which measures bursts, not a steady rate). Latency runs from the scheduled send
 * time to the end of the response, so a stalled server is charged for the wait it causes.
 * At most as many connections as the server allows one address (more would be hung up on: an
 * artefact of a single load source); a request unanswered `giveUpMs` after its scheduled time is
 * abandoned — Kiwify gives up after about 5 s — and counts as an error with that latency, which
 * also bounds how long a run against a stalled server lasts.
 */
export async function steadyLoad(
  url: string,
  opts: { rate: number; durationS: number; request: () => { path: string; body: string }; giveUpMs?: number },
): Promise<SteadyResult> {
  const giveUpMs = opts.giveUpMs ?? 5_000;
  const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_CONNECTIONS_PER_ADDRESS });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1000 / opts.rate;
  const total = Math.round(opts.rate * opts.durationS);
  const start = performance.now();
  const pending: Promise<void>[] = [];

  const fire = (scheduled: number) => {
    const { path, body } = opts.request();
    pending.push(
      new Promise<void>((resolve) => {
        let settled = false;
        const settle = (ok: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(giveUp);
          if (!ok) errors += 1;
          latencies.push(Math.min(performance.now() - scheduled, giveUpMs));
          resolve();
        };
        const giveUp = setTimeout(
          () => {
            settle(false);
            req.destroy();
          },
          scheduled + giveUpMs - performance.now(),
        );
        const req = http.request(
          {
            host: target.hostname,
            port: target.port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            res.resume();
            res.on('end', () => settle(res.statusCode === 200));
          },
        );
        req.on('error', () => settle(false));
        req.end(body);
      }),
    );
  };

  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        fire(start + sent * interval);
        sent += 1;
      }
      if (sent >= total) return done();
      setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? 0);
  return { sent, rps: Math.round(sent / elapsed), p50: at(0.5), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0), errors };
}
