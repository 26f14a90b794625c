import { z } from 'zod';
import { parseMailbox, resolveSmtp } from '../clients/smtp-settings.js';
import { packageFile } from '../domain/package-root.js';
import type { WelcomeChannel } from '../enrolment/welcome-templates.js';
import { loadWelcomeTemplates } from '../enrolment/welcome-template-files.js';
import { group, optionalText, optionalUrl, type Payload } from './variables.js';

/**
 * The e-mail and welcome groups of the configuration: the SMTP server (SMTP_URL, or SMTP_HOST,
 * SMTP_PORT, SMTP_USER, SMTP_PASSWORD), the sender (MAIL_FROM, MAIL_REPLY_TO), the welcome's
 * channels (WELCOME_CHANNELS), its templates (WELCOME_EMAIL_TEMPLATE, WELCOME_WHATSAPP_TEMPLATE)
 * and the school's lines; and the rules between them.
 */

/** The welcome templates shipped in the repository (the WhatsApp one is the text the bridge always sent). */
export const DEFAULT_WELCOME_EMAIL_TEMPLATE = packageFile('src/enrolment/templates/welcome-email.txt');
export const DEFAULT_WELCOME_WHATSAPP_TEMPLATE = packageFile('src/enrolment/templates/welcome-whatsapp.txt');

const CHANNELS: readonly WelcomeChannel[] = ['whatsapp', 'email'];

/** `whatsapp` (default), `email`, or both (`whatsapp,email`): the channels, in that order. */
export const welcomeChannels = z
  .string()
  .default('whatsapp')
  .transform((value, ctx): WelcomeChannel[] => {
    const items = value
      .split(',')
      .map((item) => item.trim().toLowerCase())
      .filter(Boolean);
    if (items.length === 0 || items.some((item) => !(CHANNELS as readonly string[]).includes(item))) {
      ctx.issues.push({ code: 'custom', input: value, message: 'use whatsapp, email, ou whatsapp,email (os dois)' });
      return z.NEVER;
    }
    return CHANNELS.filter((channel) => items.includes(channel));
  });

/** One mailbox: "Escola Exemplo <contato@escola.com.br>" or just the address. */
export const mailbox = z
  .string()
  .trim()
  .refine((value) => parseMailbox(value) !== undefined, 'use um endereço de e-mail, ex.: Escola Exemplo <contato@escola.com.br>');

const PARTS = ['SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD'] as const;
/** What SMTP_URL replaces (SMTP_PASSWORD may go with a URL that names the user only). */
const URL_REPLACES = ['SMTP_HOST', 'SMTP_PORT', 'SMTP_USER'] as const;
const SERVER_HINT = 'SMTP_URL (ou SMTP_HOST, SMTP_PORT, SMTP_USER e SMTP_PASSWORD)';

/**
 * The server is SMTP_URL (its password inside, or in SMTP_PASSWORD) or the four parts, not both;
 * user and password go together; a server
 * needs MAIL_FROM, and MAIL_FROM/MAIL_REPLY_TO need a server; e-mail welcomes need a server; the
 * address must say how TLS is used (see resolveSmtp). Every problem names its variable.
 */
export function checkMail(ctx: Payload): void {
  const value = ctx.value;
  const issue = (path: string, message: string) => ctx.issues.push({ code: 'custom', input: value, path: [path], message });
  const parts = PARTS.filter((name) => value[name] !== undefined);
  const clashing = URL_REPLACES.filter((name) => value[name] !== undefined);
  if (value.SMTP_URL) {
    for (const name of clashing) issue(name, 'use SMTP_URL ou SMTP_HOST, SMTP_PORT, SMTP_USER e SMTP_PASSWORD, não os dois');
  } else {
    if (!value.SMTP_HOST && parts.length > 0)
      issue('SMTP_HOST', `defina o servidor de e-mail (ex.: smtp.gmail.com), ou apague ${parts.join(', ')}`);
    const login = ['SMTP_USER', 'SMTP_PASSWORD'].filter((name) => value[name] !== undefined);
    if (login.length === 1) {
      const missing = login[0] === 'SMTP_USER' ? 'SMTP_PASSWORD' : 'SMTP_USER';
      issue(missing, 'defina SMTP_USER e SMTP_PASSWORD juntos (o login no servidor de e-mail), ou nenhum dos dois');
    }
  }
  if (clashing.length === 0 || !value.SMTP_URL) {
    for (const problem of resolveSmtp(value).problems) issue(problem.variable, problem.message);
  }
  const configured = Boolean(value.SMTP_URL || value.SMTP_HOST);
  if (configured && !value.MAIL_FROM)
    issue('MAIL_FROM', 'defina o remetente das boas-vindas por e-mail, ex.: Escola Exemplo <contato@escola.com.br>');
  if (!configured) {
    for (const name of ['MAIL_FROM', 'MAIL_REPLY_TO']) {
      if (value[name]) issue(name, `não há servidor de e-mail: defina ${SERVER_HINT}, ou apague ${name}`);
    }
  }
  const channels = value.WELCOME_CHANNELS as WelcomeChannel[] | undefined;
  if (channels?.includes('email') && !configured) {
    issue('WELCOME_CHANNELS', `boas-vindas por e-mail precisam de um servidor de e-mail: defina ${SERVER_HINT} e MAIL_FROM`);
  }
}

/** Both welcome templates read and checked at start-up: any problem stops it, naming the file and the fix. */
export function checkWelcomeTemplates(ctx: Payload): void {
  const { WELCOME_EMAIL_TEMPLATE: email, WELCOME_WHATSAPP_TEMPLATE: whatsapp } = ctx.value;
  if (typeof email !== 'string' || typeof whatsapp !== 'string') return;
  for (const problem of loadWelcomeTemplates({ email, whatsapp }).problems) {
    ctx.issues.push({ code: 'custom', input: ctx.value, path: [problem.variable], message: problem.message });
  }
}

/** E-mail: the SMTP server and the sender (rules between them: mail-config.ts). */
export const mail = group({
  shape: {
    SMTP_URL: optionalText,
    SMTP_HOST: optionalText,
    SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
    SMTP_USER: optionalText,
    SMTP_PASSWORD: optionalText,
    MAIL_FROM: optionalText.pipe(mailbox.optional()),
    MAIL_REPLY_TO: optionalText.pipe(mailbox.optional()),
  },
  checks: [checkMail],
  /** `smtp`: the server, when one is configured (SMTP_URL or SMTP_HOST…); then `from` is set too. */
  build: (v) => ({ smtp: resolveSmtp(v).settings, from: v.MAIL_FROM, replyTo: v.MAIL_REPLY_TO }),
});

/** The welcome to a new student: its channels, its templates (checked at start-up) and the school's lines. */
export const welcome = group({
  shape: {
    WELCOME_CHANNELS: welcomeChannels,
    WELCOME_EMAIL_TEMPLATE: z.string().trim().min(1).default(DEFAULT_WELCOME_EMAIL_TEMPLATE),
    WELCOME_WHATSAPP_TEMPLATE: z.string().trim().min(1).default(DEFAULT_WELCOME_WHATSAPP_TEMPLATE),
    SCHOOL_NAME: optionalText,
    PORTAL_URL: optionalUrl,
    ANDROID_APP_URL: optionalUrl,
    IOS_APP_URL: optionalUrl,
    SUPPORT_WHATSAPP: optionalText,
  },
  checks: [checkWelcomeTemplates],
  build: (v, ctx) => {
    // Read again for use (the check found them sound): the compiled templates.
    const { templates } = loadWelcomeTemplates({ email: v.WELCOME_EMAIL_TEMPLATE, whatsapp: v.WELCOME_WHATSAPP_TEMPLATE });
    if (!templates)
      ctx.issues.push({ code: 'custom', input: v, path: ['WELCOME_EMAIL_TEMPLATE'], message: 'os modelos mudaram durante a leitura' });
    return {
      channels: v.WELCOME_CHANNELS,
      templates: templates!,
      school: {
        schoolName: v.SCHOOL_NAME,
        portalUrl: v.PORTAL_URL,
        androidAppUrl: v.ANDROID_APP_URL,
        iosAppUrl: v.IOS_APP_URL,
        supportWhatsapp: v.SUPPORT_WHATSAPP,
      },
    };
  },
});
