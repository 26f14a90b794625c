import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';

/** A loopback HTTP server standing in for an external system, recording every call it gets. */
export interface FakeServer<Call> {
  url: string;
  calls: Call[];
  /** Called for every call as it arrives (the demo narrates with it). */
  onCall?: (call: Call) => void;
  close: () => Promise<void>;
}

export async function listenFake(app: Express, port = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = app.listen(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function fakeApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

/** A queue of scripted answers; when empty, `fallback` applies. */
export class Script<T> {
  private queue: T[] = [];
  constructor(public fallback: T) {}
  push(...answers: T[]): void {
    this.queue.push(...answers);
  }
  next(): T {
    return this.queue.shift() ?? this.fallback;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
