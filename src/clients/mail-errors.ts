import type { NodemailerError } from 'nodemailer/lib/errors';
import { PermanentError, TransientError } from '../domain/errors.js';
import type { UpstreamOutcome } from './upstream-http.js';
import type { SmtpSettings } from './smtp-settings.js';

/**
 * What an SMTP failure means, in the words of the other clients: a 5xx reply is the server's
 * final word (permanent), a 4xx reply, a timeout or a broken connection are worth a retry.
 * Messages are pt-BR and carry the server's reply cut short, without the SMTP password (an odd
 * server may echo it); FlowError scrubs e-mail addresses (the student's) from them.
 */

/** The codes of mail failures (causes.ts says what support does about each). */
export const MAIL_CAUSES = {
  /** The server refused the student's address (550, 551, 553…), or it is not an address. */
  rejected: 'mail_rejected',
  /** The server refused our user and password (535). */
  auth: 'mail_auth',
  /** The server refused the sender (MAIL_FROM) — e.g. an address the account may not send as. */
  sender: 'mail_sender',
  /** TLS could not be set up: no STARTTLS offered, or a certificate that does not check out. */
  tls: 'mail_tls',
  /** The server refused the message itself (554 spam policy, 552 too large…). */
  refused: 'mail_refused',
  /** A 4xx reply: the server is busy or defers (421, 450, 451, 452). */
  unavailable: 'mail_unavailable',
} as const;

/** How a call ended, for the metrics (`smtp_4xx`/`smtp_5xx` for a reply of that class). */
export function mailOutcome(err: unknown, timedOut: boolean): UpstreamOutcome {
  if (timedOut) return 'timeout';
  const { code, responseCode } = err as NodemailerError;
  if (code === 'ETIMEDOUT') return 'timeout';
  if (responseCode && responseCode >= 500) return 'smtp_5xx';
  if (responseCode && responseCode >= 400) return 'smtp_4xx';
  return 'network';
}

/** A server's reply in one short line, cut before it is flattened (a hostile reply costs nothing), password removed. */
export function replyText(response: string | undefined, password: string | undefined): string {
  if (!response) return '';
  let text = response.slice(0, 300);
  if (password) text = text.split(password).join('***');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

const CERTIFICATE = /cert|self[-_ ]signed|unable[_ ]to[_ ](get|verify)|altname|hostname|expired/i;

/** The TransientError or PermanentError for what nodemailer reported; `timedOut` when our deadline ended it. */
export function mailError(err: unknown, smtp: SmtpSettings, timedOut: boolean): TransientError | PermanentError {
  const e = (err ?? {}) as NodemailerError;
  const reply = e.responseCode;
  const said = replyText(e.response, smtp.password);
  const quote = said ? `: ${said}` : '.';
  if (timedOut || e.code === 'ETIMEDOUT' || e.code === 'EABORT') {
    return new TransientError('Servidor de e-mail não respondeu a tempo.', 'timeout');
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    if (reply && reply >= 400 && reply < 500) {
      return new TransientError(`Servidor de e-mail não aceitou o login agora (${reply})${quote}`, MAIL_CAUSES.unavailable);
    }
    return new PermanentError(
      `Servidor de e-mail recusou o usuário e a senha: confira ${smtp.variables.credentials}${reply ? ` (${reply})` : ''}${quote}`,
      MAIL_CAUSES.auth,
    );
  }
  if (e.code === 'ETLS' || CERTIFICATE.test(e.originalCode ?? '')) return tlsError(e, smtp);
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE' || reply) return replyError(e, reply, quote);
  const original = e.originalCode ?? '';
  const where = ` Confira ${smtp.variables.server}, ou o servidor está fora do ar.`;
  if (original === 'ECONNREFUSED') return new TransientError(`Servidor de e-mail: conexão recusada (ECONNREFUSED).${where}`, 'network');
  if (e.code === 'EDNS' || original === 'ENOTFOUND' || original === 'EAI_AGAIN') {
    return new TransientError(`Servidor de e-mail: endereço não encontrado (${original || 'DNS'}).${where}`, 'network');
  }
  return new TransientError(`Servidor de e-mail: falha de conexão (${e.code ?? 'desconhecida'}).`, 'network');
}

/** STARTTLS refused or missing, or a certificate that does not check out: a configuration matter. */
function tlsError(e: NodemailerError, smtp: SmtpSettings): TransientError | PermanentError {
  const detail = `${e.originalCode ?? ''} ${e.message}`;
  if (/STARTTLS/i.test(e.message) || CERTIFICATE.test(detail)) {
    const why = CERTIFICATE.test(detail) ? 'o certificado do servidor não confere' : 'o servidor não ofereceu STARTTLS';
    return new PermanentError(
      `Servidor de e-mail sem conexão segura (${why}): nada foi enviado. Confira ${smtp.variables.server} (porta 465 com smtps://, ou 587).`,
      MAIL_CAUSES.tls,
    );
  }
  return new TransientError('Servidor de e-mail: a conexão segura caiu no meio.', 'network');
}

/** The server answered with a refusal: by its class and the command it answered. */
function replyError(e: NodemailerError, reply: number | undefined, quote: string): TransientError | PermanentError {
  const permanent = reply === undefined ? e.code === 'EENVELOPE' : reply >= 500 && reply !== 503;
  if (!permanent)
    return new TransientError(`Servidor de e-mail pediu para tentar mais tarde (${reply ?? '?'})${quote}`, MAIL_CAUSES.unavailable);
  if (e.command === 'MAIL FROM') {
    return new PermanentError(`Servidor de e-mail recusou o remetente (MAIL_FROM) (${reply})${quote}`, MAIL_CAUSES.sender);
  }
  if (e.code === 'EENVELOPE') {
    return new PermanentError(`Servidor de e-mail recusou o endereço do aluno${reply ? ` (${reply})` : ''}${quote}`, MAIL_CAUSES.rejected);
  }
  return new PermanentError(`Servidor de e-mail recusou a mensagem (${reply})${quote}`, MAIL_CAUSES.refused);
}
