import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/**
 * Failures the way SMTP servers fail, each injected on the next connection or command:
 * - `refuse_recipient`: RCPT TO → 550 5.1.1 (no such mailbox: permanent);
 * - `busy`: the greeting is 421 4.3.2 and the connection closes (try later);
 * - `defer`: the end of DATA → 451 4.3.0 (try later);
 * - `refuse_auth`: AUTH → 535 5.7.8 (wrong user or password);
 * - `silent`: the connection opens and the server never says a word;
 * - `drip`: the server greets, then answers EHLO with an endless reply, one line every 50 ms:
 *   the socket is never idle and the reply never ends, so only a hard deadline notices.
 */
export type SmtpFaultKind = 'refuse_recipient' | 'busy' | 'defer' | 'refuse_auth' | 'silent' | 'drip';

export class SmtpFaults {
  private readonly pending = new Map<SmtpFaultKind, number>();
  injected = 0;

  /** The next `times` chances of `kind` fail. */
  failNext(kind: SmtpFaultKind, times = 1): void {
    this.pending.set(kind, (this.pending.get(kind) ?? 0) + times);
  }

  clear(): void {
    this.pending.clear();
  }

  /** Whether `kind` is due now (and counts it as injected). */
  take(kind: SmtpFaultKind): boolean {
    const left = this.pending.get(kind) ?? 0;
    if (left === 0) return false;
    this.pending.set(kind, left - 1);
    this.injected += 1;
    return true;
  }
}

/** One message the server accepted: the envelope, the raw bytes and the message parsed (headers, both parts). */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
  parsed: ParsedMail;
  at: number;
}

/** One answer the server gave to a recipient, a login or a message. */
export interface SmtpCall {
  stage: 'auth' | 'rcpt' | 'data';
  status: number;
  at: number;
}

export interface FakeSmtp {
  /** `smtp://user:password@127.0.0.1:port` (plain SMTP: loopback needs no TLS). */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** A sender the server accepts (MAIL_FROM). */
  from: string;
  calls: SmtpCall[];
  /** Messages accepted, in order. */
  received: ReceivedMail[];
  /** Addresses refused for good (550), like a mailbox that does not exist. */
  refused: Set<string>;
  faults: SmtpFaults;
  /** Called for every message accepted (the demo narrates with it). */
  onMail?: (mail: ReceivedMail) => void;
  /** SMTP_URL and MAIL_FROM pointing a server at this fake. */
  env: Record<string, string>;
  /** Client connections still open (a client that gave up must have closed its own). */
  openConnections(): number;
  close(): Promise<void>;
}

export interface FakeSmtpOptions {
  user?: string;
  password?: string;
  port?: number;
  /** Offer STARTTLS with smtp-server's built-in test certificate (which no client should trust). */
  starttls?: boolean;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** What the server knows and keeps, shared by its handlers. */
interface SmtpState {
  user: string;
  password: string;
  faults: SmtpFaults;
  calls: SmtpCall[];
  received: ReceivedMail[];
  refused: Set<string>;
  /** Told of every message accepted. */
  accepted: (mail: ReceivedMail) => void;
}

function record(state: SmtpState, stage: SmtpCall['stage'], status: number): void {
  state.calls.push({ stage, status, at: Date.now() });
}

/** smtp-server with the fake's answers: the login, refused recipients, faults, and every message kept parsed. */
function smtpServer(state: SmtpState, starttls: boolean): SMTPServer {
  const { faults } = state;
  const smtp = new SMTPServer({
    logger: false,
    banner: 'sandbox',
    size: MAX_MESSAGE_BYTES,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    hideSTARTTLS: !starttls,
    disabledCommands: starttls ? [] : ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (faults.take('refuse_auth') || auth.username !== state.user || auth.password !== state.password) {
        record(state, 'auth', 535);
        return callback(smtpError(535, '5.7.8 Usuário ou senha inválidos'));
      }
      record(state, 'auth', 235);
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (faults.take('refuse_recipient') || state.refused.has(address.address.toLowerCase())) {
        record(state, 'rcpt', 550);
        return callback(smtpError(550, '5.1.1 Caixa postal inexistente'));
      }
      record(state, 'rcpt', 250);
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          record(state, 'data', 552);
          return callback(smtpError(552, '5.3.4 Mensagem grande demais'));
        }
        if (faults.take('defer')) {
          record(state, 'data', 451);
          return callback(smtpError(451, '4.3.0 Tente mais tarde'));
        }
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        simpleParser(raw).then(
          (parsed) => {
            const mail: ReceivedMail = { envelope, raw: raw.toString('utf8'), parsed, at: Date.now() };
            state.received.push(mail);
            record(state, 'data', 250);
            state.accepted(mail);
            callback(null, 'Mensagem aceita');
          },
          () => {
            record(state, 'data', 554);
            callback(smtpError(554, '5.6.0 Mensagem ilegível'));
          },
        );
      });
    },
  });
  smtp.on('error', () => {}); // a client that hangs up mid-session is not the fake's failure
  return smtp;
}

/**
 * The listening socket in front of smtp-server: connection-level faults (silence, a 421 greeting,
 * a dripping answer) are played here on the raw socket; every other connection goes to `smtp`.
 */
function frontDoor(smtp: SMTPServer, faults: SmtpFaults, sockets: Set<Socket>): Server {
  return createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (faults.take('silent')) return;
    if (faults.take('busy')) {
      socket.end('421 4.3.2 Servico temporariamente indisponivel, tente mais tarde\r\n');
      return;
    }
    if (faults.take('drip')) {
      socket.write('220 sandbox ESMTP\r\n');
      socket.once('data', () => {
        const timer = setInterval(() => socket.write('250-sandbox ainda pensando\r\n'), 50);
        socket.on('close', () => clearInterval(timer));
      });
      return;
    }
    smtp.connect(socket);
  });
}

/**
 * A loopback SMTP server speaking the protocol for real (smtp-server), that keeps what it
 * received (parsed by mailparser) and fails on demand. Plain SMTP with AUTH, as a local relay:
 * the client allows that only on loopback.
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const state: SmtpState = {
    user: options.user ?? 'sandbox',
    password: options.password ?? 'sandbox-smtp-pass',
    faults: new SmtpFaults(),
    calls: [],
    received: [],
    refused: new Set<string>(),
    accepted: (mail) => fake.onMail?.(mail),
  };
  const sockets = new Set<Socket>();
  const front = frontDoor(smtpServer(state, options.starttls ?? false), state.faults, sockets);
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  const host = '127.0.0.1';
  const { user, password, faults, calls, received, refused } = state;
  const url = `smtp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}`;
  const from = 'Escola Sandbox <boasvindas@escola.example>';
  const fake: FakeSmtp = {
    url,
    host,
    port,
    user,
    password,
    from,
    calls,
    received,
    refused,
    faults,
    env: { SMTP_URL: url, MAIL_FROM: from },
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        front.close(() => resolve());
      }),
  };
  return fake;
}
