import type { NextFunction, Request, Response } from 'express';
import { sleep } from './fake-server.js';

/**
 * Failure injection for the fakes, the way real upstreams fail:
 * - `http_500`: a JSON-less 500;
 * - `html_502` / `html_403`: a Cloudflare HTML page instead of the API;
 * - `timeout`: no answer at all (the client's timeout fires);
 * - `timeout_after_commit`: the operation happens, but the answer never arrives
 *   (the hardest case for idempotency);
 * - `drip`: a 200 whose body trickles in one byte every 250 ms and never ends (a socket that is
 *   never idle, so only a hard deadline notices);
 * - `deep_json`: a 200 whose JSON body, under the clients' 2 MB cap, nests a million levels deep
 *   (`{"data":[[[[…]]]]}`: JSON.parse alone would exhaust the heap);
 * - `hostile_html`: a 200 page of 600 KB of unclosed `<script`, `<style` and `<title` tags (a
 *   backtracking regex over it would hold the event loop for minutes).
 */
export type FaultKind = 'http_500' | 'html_502' | 'html_403' | 'timeout' | 'timeout_after_commit' | 'drip' | 'deep_json' | 'hostile_html';

export const ALL_FAULTS: FaultKind[] = ['http_500', 'html_502', 'html_403', 'timeout', 'timeout_after_commit'];

const CLOUDFLARE_PAGE = (code: number) =>
  `<!DOCTYPE html><html><head><title>${code} | Cloudflare</title></head><body><h1>Error ${code}</h1><p>Ray ID: 8f00000000000000</p></body></html>`;

/** Levels of `deep_json`: 2,000,009 bytes, under the clients' 2 MiB cap. */
export const DEEP_JSON_LEVELS = 1_000_000;
let deepJson: Buffer | undefined;
/** `{"data":[[[[…]]]]}`, a million levels deep (built once). */
export function deepJsonBody(): Buffer {
  deepJson ??= Buffer.from(`{"data":${'['.repeat(DEEP_JSON_LEVELS)}${']'.repeat(DEEP_JSON_LEVELS)}}`);
  return deepJson;
}

/** 600 KB of tags that never close: what a backtracking HTML stripper chokes on. */
export function hostileHtmlBody(): string {
  return `<!DOCTYPE html><html><head>${'<title><script <style x'.repeat(26_000)}`;
}

type Match = (req: Request) => boolean;

export class Faults {
  /** Share of requests that fail at random (0..1). */
  rate = 0;
  kinds: FaultKind[] = ['http_500', 'html_502', 'timeout'];
  /** Fixed delay before every answer (ms). */
  latencyMs = 0;
  random: () => number = Math.random;
  /** Requests the random faults may hit; default: all. */
  eligible: Match = () => true;
  private scripted: Array<{ kind: FaultKind; match: Match }> = [];
  injected = 0;

  /** The next `times` requests matching `match` fail with `kind`. */
  failNext(kind: FaultKind, times = 1, match: Match = () => true): void {
    for (let i = 0; i < times; i += 1) this.scripted.push({ kind, match });
  }

  clear(): void {
    this.scripted = [];
    this.rate = 0;
  }

  private pick(req: Request): FaultKind | undefined {
    const i = this.scripted.findIndex((s) => s.match(req));
    if (i >= 0) return this.scripted.splice(i, 1)[0].kind;
    if (this.rate > 0 && this.eligible(req) && this.random() < this.rate) {
      return this.kinds[Math.floor(this.random() * this.kinds.length)];
    }
    return undefined;
  }

  /** Express middleware applying latency and faults before the fake's own handler. */
  middleware() {
    return async (req: Request, res: Response, next: NextFunction) => {
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const kind = this.pick(req);
      if (!kind) return next();
      this.injected += 1;
      switch (kind) {
        case 'http_500':
          res.status(500).type('text/plain').send('Internal Server Error');
          return;
        case 'html_502':
          res.status(502).type('text/html').send(CLOUDFLARE_PAGE(502));
          return;
        case 'html_403':
          res.status(403).type('text/html').send(CLOUDFLARE_PAGE(403));
          return;
        case 'timeout':
          return; // never answers
        case 'deep_json':
          res.status(200).type('application/json').send(deepJsonBody());
          return;
        case 'hostile_html':
          res.status(200).type('text/html').send(hostileHtmlBody());
          return;
        case 'drip': {
          res.status(200).type('application/json');
          res.write('{');
          const timer = setInterval(() => res.write(' '), 250);
          res.on('close', () => clearInterval(timer));
          return;
        }
        case 'timeout_after_commit': {
          // Let the handler do its work, then swallow the answer.
          res.send = () => res;
          res.json = () => res;
          res.end = (() => res) as typeof res.end;
          return next();
        }
      }
    };
  }
}
