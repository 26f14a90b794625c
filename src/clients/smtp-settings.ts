import { isIP } from 'node:net';
import addressparser from 'nodemailer/lib/addressparser';
import { isEmailAddress } from '../domain/email-address.js';

export { isEmailAddress };

/**
 * How the connection to the SMTP server is protected:
 * - `implicit`: TLS from the first byte (`smtps://`, port 465);
 * - `starttls`: plain greeting, then STARTTLS is required before anything else is said — a
 *   server that does not offer it gets neither the credentials nor the message;
 * - `none`: no TLS at all, allowed only on loopback (a local relay, the sandbox).
 */
export type SmtpTls = 'implicit' | 'starttls' | 'none';

export interface SmtpSettings {
  host: string;
  port: number;
  tls: SmtpTls;
  /** Absent: the server takes mail without AUTH (a local relay, a relay that trusts the address). */
  user?: string;
  password?: string;
  /** The variables holding the server's address and the credentials, for messages to a person. */
  variables: { server: string; credentials: string };
}

/** The environment variables an SMTP server is configured with (SMTP_URL, or the four parts). */
export interface SmtpVariables {
  SMTP_URL?: string;
  SMTP_HOST?: string;
  SMTP_PORT?: number;
  SMTP_USER?: string;
  SMTP_PASSWORD?: string;
}

export interface SmtpProblem {
  variable: string;
  message: string;
}

/** The settings, or why they cannot be used; neither when no server is configured. */
export interface SmtpResolution {
  settings?: SmtpSettings;
  problems: SmtpProblem[];
}

const IMPLICIT_TLS_PORT = 465;
const SUBMISSION_PORT = 587;
const URL_HINT = 'use smtps://usuário:senha@servidor:465 ou smtp://usuário:senha@servidor:587';

/** 127.0.0.0/8, ::1 and localhost: the only hosts that may be spoken to without TLS. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const name = bare.toLowerCase();
  if (name === 'localhost' || name === '::1') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/** What a connection to `host` must use: TLS everywhere but loopback. */
function tlsFor(host: string, implicit: boolean): SmtpTls {
  if (implicit) return 'implicit';
  return isLoopbackHost(host) ? 'none' : 'starttls';
}

/**
 * SMTP_URL (`smtps://user:pass@host:465`, `smtp://user:pass@host:587`; or the user alone in the
 * URL and the password in SMTP_PASSWORD, which then needs no percent-encoding) or SMTP_HOST,
 * SMTP_PORT (587; 465 means TLS from the start), SMTP_USER, SMTP_PASSWORD. Never echoes a value:
 * they carry the password.
 */
export function resolveSmtp(vars: SmtpVariables): SmtpResolution {
  if (vars.SMTP_URL) return fromUrl(vars.SMTP_URL, vars.SMTP_PASSWORD);
  if (vars.SMTP_HOST) return fromParts(vars.SMTP_HOST, vars);
  return { problems: [] };
}

function problem(variable: string, message: string): SmtpResolution {
  return { problems: [{ variable, message }] };
}

/** `separatePassword`: SMTP_PASSWORD, for a URL that names the user only (no percent-encoding of the secret). */
function fromUrl(value: string, separatePassword: string | undefined): SmtpResolution {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem('SMTP_URL', `endereço inválido: ${URL_HINT}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    return problem('SMTP_URL', `deve começar com smtps:// ou smtp://: ${URL_HINT}`);
  if ((url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '') {
    return problem(
      'SMTP_URL',
      'só servidor, porta, usuário e senha (sem caminho nem "?"): na senha, codifique os caracteres especiais (%40 para @, %23 para #, %2F para /) ou use SMTP_HOST, SMTP_USER e SMTP_PASSWORD',
    );
  }
  if (!url.hostname) return problem('SMTP_URL', `falta o servidor: ${URL_HINT}`);
  let user: string;
  let password: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return problem('SMTP_URL', 'usuário ou senha mal codificados: use %40 para @, %23 para #, %25 para %');
  }
  if (password && separatePassword) return problem('SMTP_PASSWORD', 'a senha já está em SMTP_URL: deixe-a só em um dos dois');
  if (separatePassword && !user)
    return problem('SMTP_PASSWORD', 'SMTP_URL não tem usuário: use smtps://usuário@servidor:465 com SMTP_PASSWORD');
  if (user && !password && !separatePassword) {
    return problem('SMTP_URL', 'falta a senha: smtps://usuário:senha@servidor:465, ou o usuário em SMTP_URL e a senha em SMTP_PASSWORD');
  }
  if (!user && password) return problem('SMTP_URL', 'informe usuário e senha juntos (smtps://usuário:senha@servidor:465)');
  const secret = password || separatePassword;
  const implicit = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : implicit ? IMPLICIT_TLS_PORT : SUBMISSION_PORT;
  if (!implicit && port === IMPLICIT_TLS_PORT)
    return problem('SMTP_URL', 'a porta 465 usa TLS desde o início: troque smtp:// por smtps://');
  if (implicit && port === SUBMISSION_PORT) return problem('SMTP_URL', 'a porta 587 usa STARTTLS: troque smtps:// por smtp://');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    problems: [],
    settings: {
      host,
      port,
      tls: tlsFor(host, implicit),
      ...(user ? { user, password: secret } : {}),
      variables: {
        server: 'SMTP_URL',
        credentials: separatePassword ? 'o usuário de SMTP_URL e SMTP_PASSWORD' : 'o usuário e a senha de SMTP_URL',
      },
    },
  };
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

function fromParts(host: string, vars: SmtpVariables): SmtpResolution {
  if (!HOST_NAME.test(host) && isIP(host) === 0)
    return problem('SMTP_HOST', 'só o nome do servidor, ex.: smtp.gmail.com (sem smtp:// nem porta)');
  const port = vars.SMTP_PORT ?? SUBMISSION_PORT;
  return {
    problems: [],
    settings: {
      host,
      port,
      tls: tlsFor(host, port === IMPLICIT_TLS_PORT),
      ...(vars.SMTP_USER && vars.SMTP_PASSWORD ? { user: vars.SMTP_USER, password: vars.SMTP_PASSWORD } : {}),
      variables: { server: 'SMTP_HOST e SMTP_PORT', credentials: 'SMTP_USER e SMTP_PASSWORD' },
    },
  };
}

/** One mailbox, "Escola Exemplo <contato@escola.com.br>" or "contato@escola.com.br"; undefined otherwise. */
export function parseMailbox(value: string): { name: string; address: string } | undefined {
  if (value.length > 320) return undefined;
  const list = addressparser(value, { flatten: true });
  if (list.length !== 1) return undefined;
  const [{ name, address }] = list;
  return isEmailAddress(address) ? { name, address } : undefined;
}
