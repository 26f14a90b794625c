import { connect, type Socket } from 'node:net';

/**
 * Slow-loris attackers on loopback: each of `count` connections (from `localAddress`: Linux
 * answers on all of 127.0.0.0/8, so 127.0.0.2 is "another client") sends a request's headers
 * declaring `declared` bytes of body, then drips one byte every `dripMs`, for ever; cut, it
 * connects again (as the attack in issue 19 did). `headersOnly`: the headers are never finished.
 */
export interface SlowSenderOptions {
  port: number;
  localAddress: string;
  count: number;
  path?: string;
  declared?: number;
  dripMs?: number;
  headersOnly?: boolean;
  /** Wait before connecting again once cut (default 10 ms). */
  reconnectMs?: number;
  /** Extra header lines (e.g. X-Forwarded-For behind a trusted proxy). */
  headers?: Record<string, string>;
}

export interface SlowSenders {
  /** Connections made in all (reconnections included). */
  connections(): number;
  /** Connections the server closed, and how long each had lived (ms). */
  cuts(): number[];
  /** Connections open right now that have sent at least `bytes` of body (or of headers). */
  dripping(bytes?: number): number;
  stop(): void;
}

export function slowSenders(o: SlowSenderOptions): SlowSenders {
  const dripMs = o.dripMs ?? 50;
  const live = new Map<Socket, { sent: number }>();
  const cuts: number[] = [];
  let made = 0;
  let stopped = false;
  const open = () => {
    if (stopped) return;
    made += 1;
    const opened = Date.now();
    const socket = connect({ port: o.port, host: '127.0.0.1', localAddress: o.localAddress });
    const state = { sent: 0 };
    live.set(socket, state);
    const extra = Object.entries(o.headers ?? {})
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const head = o.headersOnly
      ? `POST ${o.path ?? '/webhook'} HTTP/1.1\r\nHost: x\r\n${extra}X-Padding: `
      : `POST ${o.path ?? '/webhook'} HTTP/1.1\r\nHost: x\r\n${extra}Content-Type: application/json\r\nContent-Length: ${o.declared ?? 1024 * 1024}\r\n\r\n`;
    socket.on('connect', () => socket.write(head));
    const drip = setInterval(() => {
      if (!socket.writable) return;
      socket.write(o.headersOnly ? 'a' : ' ');
      state.sent += 1;
    }, dripMs);
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) whatever the server answers
    socket.on('close', () => {
      clearInterval(drip);
      live.delete(socket);
      if (stopped) return;
      cuts.push(Date.now() - opened);
      setTimeout(open, o.reconnectMs ?? 10);
    });
  };
  for (let i = 0; i < o.count; i += 1) open();
  return {
    connections: () => made,
    cuts: () => cuts,
    dripping: (bytes = 2) => [...live.values()].filter((s) => s.sent >= bytes).length,
    stop: () => {
      stopped = true;
      for (const socket of live.keys()) socket.destroy();
    },
  };
}
