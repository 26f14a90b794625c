import { createServer, type Socket } from 'node:net';
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

/**
 * A loopback SMTP server speaking the protocol for real (smtp-server), that keeps what it
 * received (parsed by mailparser) and fails on demand. Plain SMTP with AUTH, as a local relay:
 * the client allows that only on loopback.
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
  const user = options.user ?? 'sandbox';
  const password = options.password ?? 'sandbox-smtp-pass';
  const faults = new SmtpFaults();
  const calls: SmtpCall[] = [];
  const received: ReceivedMail[] = [];
  const refused = new Set<string>();
  const record = (stage: SmtpCall['stage'], status: number) => calls.push({ stage, status, at: Date.now() });

  const smtp = new SMTPServer({
    logger: false,
    banner: 'sandbox',
    size: MAX_MESSAGE_BYTES,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    hideSTARTTLS: !options.starttls,
    disabledCommands: options.starttls ? [] : ['STARTTLS'],
    onAuth(auth, _session, callback) {
      if (faults.take('refuse_auth') || auth.username !== user || auth.password !== password) {
        record('auth', 535);
        return callback(smtpError(535, '5.7.8 Usuário ou senha inválidos'));
      }
      record('auth', 235);
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (faults.take('refuse_recipient') || refused.has(address.address.toLowerCase())) {
        record('rcpt', 550);
        return callback(smtpError(550, '5.1.1 Caixa postal inexistente'));
      }
      record('rcpt', 250);
      callback();
    },
    onData(stream: SMTPServerDataStream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          record('data', 552);
          return callback(smtpError(552, '5.3.4 Mensagem grande demais'));
        }
        if (faults.take('defer')) {
          record('data', 451);
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
            received.push(mail);
            record('data', 250);
            fake.onMail?.(mail);
            callback(null, 'Mensagem aceita');
          },
          () => {
            record('data', 554);
            callback(smtpError(554, '5.6.0 Mensagem ilegível'));
          },
        );
      });
    },
  });
  smtp.on('error', () => {}); // a client that hangs up mid-session is not the fake's failure

  const sockets = new Set<Socket>();
  const front = createServer((socket) => {
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
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = front.address() as AddressInfo;
  const host = '127.0.0.1';
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
