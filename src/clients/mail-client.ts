import nodemailer, { type Transporter } from 'nodemailer';
import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { PermanentError } from '../domain/errors.js';
import type { UpstreamObserver, UpstreamOutcome } from './upstream-http.js';
import { MAIL_CAUSES, mailError, mailOutcome } from './mail-errors.js';
import { isEmailAddress, isLoopbackHost, parseMailbox, type SmtpSettings } from './smtp-settings.js';

export interface MailConfig {
  smtp: SmtpSettings;
  /** The sender: "Escola Exemplo <boasvindas@escola.com.br>" (MAIL_FROM). */
  from: string;
  /** Where the student's answers go (MAIL_REPLY_TO), e.g. support's address. */
  replyTo?: string;
  /** Hard deadline of one send or check, from the first byte to the last (UPSTREAM_TIMEOUT_MS). */
  timeoutMs: number;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
}

/** One message to one person: both parts, already rendered. */
export interface OutgoingMail {
  /** One bare address (the buyer's); anything else is refused before a byte is sent. */
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailApi {
  /** Sends one message; resolves once the server accepted it. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

/** Largest reply line (or multi-line reply) taken from the server; EHLO answers are a few hundred bytes. */
const MAX_REPLY_BYTES = 64 * 1024;
/** After QUIT (or our own close), how long the server gets to close its side before the socket is destroyed. */
const CLOSE_GRACE_MS = 1000;

/**
 * The nodemailer options of one connection: TLS as the settings say (never none off loopback),
 * every wait bounded by the deadline, replies capped, and no message content that could read a
 * file or fetch a URL.
 */
export function connectionOptions(smtp: SmtpSettings, timeoutMs: number): SMTPTransportOptions & SMTPConnectionOptions {
  if (smtp.tls === 'none' && !isLoopbackHost(smtp.host)) {
    throw new Error(`SMTP sem TLS só em loopback (127.0.0.1, ::1, localhost), não em ${smtp.host}: credenciais nunca seguem às claras.`);
  }
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'implicit',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    opportunisticTLS: false,
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true },
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    socketCloseTimeout: CLOSE_GRACE_MS,
    maxResponseSize: MAX_REPLY_BYTES,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
    debug: false,
  };
}

/**
 * SMTP through nodemailer: one transport per process, not pooled — a welcome goes out once per
 * sale, a pooled connection would sit idle until the server drops it, and a connection of its
 * own per send lets the deadline close exactly that send's socket. Each send and each check has
 * a hard deadline (an AbortSignal for the send, a timer that closes the connection for the
 * check) on top of nodemailer's connection, greeting and idle timeouts: a server dripping
 * bytes cannot hold a worker slot past `timeoutMs`.
 */
export class MailClient implements MailApi {
  private readonly transport: Transporter;

  constructor(private readonly config: MailConfig) {
    if (!parseMailbox(config.from)) throw new Error('MAIL_FROM deve ser um endereço de e-mail, ex.: Escola <contato@escola.com.br>.');
    if (config.replyTo && !parseMailbox(config.replyTo)) throw new Error('MAIL_REPLY_TO deve ser um endereço de e-mail.');
    this.transport = nodemailer.createTransport(connectionOptions(config.smtp, config.timeoutMs));
  }

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    if (!isEmailAddress(mail.to)) {
      throw new PermanentError('O e-mail do aluno não é um endereço válido: nada foi enviado.', MAIL_CAUSES.rejected);
    }
    const { config } = this;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), config.timeoutMs);
    const started = performance.now();
    try {
      const info = (await this.transport.sendMail({
        from: config.from,
        replyTo: config.replyTo,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834: vacation auto-replies stay away from support's inbox.
        headers: { 'Auto-Submitted': 'auto-generated' },
        signal: deadline.signal,
      })) as { messageId: string };
      this.report('send_mail', 'ok', started);
      return { messageId: info.messageId };
    } catch (err) {
      this.report('send_mail', mailOutcome(err, deadline.signal.aborted), started);
      throw mailError(err, config.smtp, deadline.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Connection check: connect, TLS as required, log in — nothing is sent. Bounded by the same
   * deadline (the connection is closed when it ends).
   */
  async checkConnection(): Promise<void> {
    const { config } = this;
    const started = performance.now();
    let timedOut = false;
    const connection = new SMTPConnection(connectionOptions(config.smtp, config.timeoutMs));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          timedOut = true;
          reject(new Error('deadline'));
        }, config.timeoutMs);
        const finish = (err?: Error | null) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        };
        connection.once('error', finish);
        connection.once('end', () => finish(new Error('Connection closed')));
        connection.connect((err) => {
          if (err) return finish(err);
          const { user, password } = config.smtp;
          if (!user || !connection.allowsAuth) return finish();
          connection.login({ credentials: { user, pass: password } }, (loginErr) => finish(loginErr));
        });
      });
      this.report('verify', 'ok', started);
    } catch (err) {
      this.report('verify', mailOutcome(err, timedOut), started);
      throw mailError(err, config.smtp, timedOut);
    } finally {
      connection.close();
    }
  }

  /** Closes the transport (nothing stays open between sends; this only stops new ones). */
  close(): void {
    this.transport.close();
  }

  private report(operation: 'send_mail' | 'verify', outcome: UpstreamOutcome, started: number): void {
    this.config.observer?.upstreamCall({ system: 'mail', operation, outcome, seconds: (performance.now() - started) / 1000 });
  }
}
