import { isIP } from 'node:net';
import { packageFile } from '../domain/package-root.js';
import { z } from 'zod';
import { resolveSmtp } from '../clients/smtp-settings.js';
import { checkMail, checkWelcomeTemplates, mailbox, welcomeChannels } from './mail-config.js';
import { loadWelcomeTemplates } from '../enrolment/welcome-template-files.js';

// Validation messages are read by people at start-up: in Portuguese.
z.config(z.locales.ptBR());

/**
 * Every environment variable the server reads, parsed once at start-up.
 * `.env.example` explains each one; keep both in step.
 */

/** The school's plan map shipped in the repository (same path from src/ and dist/). */
export const DEFAULT_PLANS_FILE = packageFile('src/plans.json');

/** The welcome templates shipped in the repository (the WhatsApp one is the text the bridge always sent). */
export const DEFAULT_WELCOME_EMAIL_TEMPLATE = packageFile('src/enrolment/templates/welcome-email.txt');
export const DEFAULT_WELCOME_WHATSAPP_TEMPLATE = packageFile('src/enrolment/templates/welcome-whatsapp.txt');

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = z.url({ protocol: /^https?$/ });

const MIN_WEBHOOK_TOKEN = 8;
const tokenList = z
  .string({ error: 'obrigatório (um token ou vários separados por vírgula)' })
  .transform((v) =>
    v
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  )
  .refine((list) => list.length > 0, 'informe ao menos um token')
  .refine(
    (list) => list.every((t) => t.length >= MIN_WEBHOOK_TOKEN),
    `cada token deve ter ao menos ${MIN_WEBHOOK_TOKEN} caracteres (copie o token do webhook na Kiwify)`,
  );

/** An address Express can trust: a name it knows, or an IP with an optional prefix length. */
function isProxyAddress(item: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return true;
  const [ip, bits, extra] = item.split('/');
  const family = isIP(ip ?? '');
  return family !== 0 && extra === undefined && (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)));
}

/** Express `trust proxy`: hops ("1"), true/false, or addresses ("loopback", "10.0.0.0/8"). */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => /^\d+$/.test(v) || /^(true|false)$/i.test(v) || v.split(',').every((item) => isProxyAddress(item.trim())),
    'use o número de proxies (ex.: 1), true/false, ou endereços (ex.: loopback, 10.0.0.0/8)',
  )
  .transform((v): boolean | number | string => (/^\d+$/.test(v) ? Number(v) : /^true$/i.test(v) ? true : /^false$/i.test(v) ? false : v));

/** Where the inbox lives: all the CLI needs (it works while the server is down). */
const storageShape = {
  SQLITE_PATH: z.string().trim().min(1).default('./data/bridge.db'),
  DATABASE_URL: optionalText.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'deve começar com postgres://')
      .optional(),
  ),
};

/** The deadline of every outbound call. */
const httpTimeout = int(15_000, 100);

/** How to reach the EAD: also read by `npm run plans` (to check course ids against its catalog). */
const eadShape = {
  EAD_BASE_URL: url.default('https://meuappdecursos.com.br/ws/v2'),
  EAD_API_KEY: z.string({ error: 'obrigatório (Portal do Licenciado > EAD > API)' }).trim().min(1),
  EAD_UNIT_ID: z.string({ error: 'obrigatório (id da unidade no EAD)' }).trim().regex(/^\d+$/, 'deve ser o id numérico da unidade'),
};

const secretKey = optionalText.pipe(z.string().min(16, 'use ao menos 16 caracteres aleatórios').optional());

/** A Discord id (snowflake): Discord's "Copiar ID" with the developer mode on. */
const snowflake = (what: string) =>
  optionalText.pipe(
    z
      .string()
      .regex(/^\d{5,20}$/, `deve ser o id numérico ${what} (no Discord: Configurações > Avançado > Modo desenvolvedor, depois "Copiar ID")`)
      .optional(),
  );

/** The Discord support console (slash commands, buttons) and the bot that posts alerts. */
const discordShape = {
  DISCORD_APPLICATION_ID: snowflake('do aplicativo'),
  DISCORD_PUBLIC_KEY: optionalText.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'deve ser a "Public Key" do aplicativo (64 caracteres hexadecimais, no Developer Portal)')
      .optional(),
  ),
  DISCORD_BOT_TOKEN: optionalText,
  DISCORD_GUILD_ID: snowflake('do servidor da escola'),
  DISCORD_SUPPORT_ROLE_ID: snowflake('do cargo de suporte'),
  DISCORD_ALERT_CHANNEL_ID: snowflake('do canal de alertas'),
  DISCORD_API_URL: url.default('https://discord.com/api/v10'),
};

/**
 * A check that `names` are set together or not at all (`alsoRequires`: something else set that
 * needs them all); each missing one is named, with `why` after "defina A, B juntos".
 */
function allOrNone(names: readonly string[], why: string, alsoRequires: (value: Record<string, unknown>) => boolean = () => false) {
  return (ctx: z.core.ParsePayload<Record<string, unknown>>) => {
    const missing = names.filter((name) => !ctx.value[name]);
    if (missing.length === 0 || (missing.length === names.length && !alsoRequires(ctx.value))) return;
    const list = names.length === 2 ? `${names[0]} e ${names[1]}` : names.join(', ');
    for (const name of missing) ctx.issues.push({ code: 'custom', input: ctx.value, path: [name], message: `defina ${list} ${why}` });
  };
}

/** Kiwify's public API, for the reconciliation (sales whose webhook never came). */
const kiwifyApiShape = {
  KIWIFY_API_URL: url.default('https://public-api.kiwify.com'),
  KIWIFY_CLIENT_ID: optionalText,
  KIWIFY_CLIENT_SECRET: optionalText,
  KIWIFY_ACCOUNT_ID: optionalText,
  RECONCILE_INTERVAL_MS: int(15 * 60 * 1000, 10_000),
  RECONCILE_LOOKBACK_HOURS: int(72, 1),
  RECONCILE_MAX_RECOVERED: int(300, 1),
};

export const KIWIFY_API_VARIABLES = ['KIWIFY_CLIENT_ID', 'KIWIFY_CLIENT_SECRET', 'KIWIFY_ACCOUNT_ID'] as const;

/** All three Kiwify API credentials or none (none: no reconciliation). */
const checkKiwifyApi = allOrNone(KIWIFY_API_VARIABLES, 'juntos (Kiwify → Apps → API), ou nenhum deles para desligar a conciliação');

/** The five variables the Discord console needs together. */
export const DISCORD_CONSOLE_VARIABLES = [
  'DISCORD_APPLICATION_ID',
  'DISCORD_PUBLIC_KEY',
  'DISCORD_BOT_TOKEN',
  'DISCORD_GUILD_ID',
  'DISCORD_SUPPORT_ROLE_ID',
] as const;

/** All five Discord console variables or none (and an alert channel only with them). */
const checkDiscord = allOrNone(
  DISCORD_CONSOLE_VARIABLES,
  'juntos (ou nenhum deles: os alertas seguem por DISCORD_WEBHOOK_URL)',
  // An alert channel needs the bot: set alone, it asks for the five too.
  (value) => Boolean(value.DISCORD_ALERT_CHANNEL_ID),
);

/** E-mail: the SMTP server, the sender, the welcome's channels and templates (rules: config/mail.ts). */
const mailShape = {
  SMTP_URL: optionalText,
  SMTP_HOST: optionalText,
  SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  SMTP_USER: optionalText,
  SMTP_PASSWORD: optionalText,
  MAIL_FROM: optionalText.pipe(mailbox.optional()),
  MAIL_REPLY_TO: optionalText.pipe(mailbox.optional()),
  WELCOME_CHANNELS: welcomeChannels,
  WELCOME_EMAIL_TEMPLATE: z.string().trim().min(1).default(DEFAULT_WELCOME_EMAIL_TEMPLATE),
  WELCOME_WHATSAPP_TEMPLATE: z.string().trim().min(1).default(DEFAULT_WELCOME_WHATSAPP_TEMPLATE),
};

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Unset: no proxy is believed, except on Render (which sets RENDER), whose one proxy is. */
    TRUST_PROXY: trustProxy.optional(),
    RENDER: optionalText,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    KIWIFY_WEBHOOK_TOKEN: tokenList,
    ...kiwifyApiShape,

    ...storageShape,

    WORKER_CONCURRENCY: int(4, 1),
    MAX_ATTEMPTS: int(10, 1),
    RETRY_BASE_MS: int(30_000, 1),
    RETRY_MAX_MS: int(3_600_000, 1),
    LEASE_MS: int(15_000, 1_000),
    POLL_INTERVAL_MS: int(1_000, 10),
    SHUTDOWN_TIMEOUT_MS: int(20_000, 0),
    HTTP_TIMEOUT_MS: httpTimeout,
    HEALTH_CHECK_INTERVAL_MS: int(600_000, 1_000),
    HEALTH_RECHECK_INTERVAL_MS: int(15_000, 100),
    HTTP_REQUEST_TIMEOUT_MS: int(30_000, 100).pipe(z.number().max(30_000, 'no máximo 30000 (a Kiwify desiste em ~5 s)')),
    SECRET_KEY: secretKey,
    PASSWORD_RETENTION_DAYS: int(7, 1),
    RETENTION_DAYS: int(180, 1),

    CALLMEBOT_BASE_URL: url.default('https://api.callmebot.com'),
    CALLMEBOT_PHONE: z
      .string({ error: 'obrigatório (telefone do suporte, só dígitos com DDI)' })
      .trim()
      .regex(/^\+?\d{10,15}$/, 'use só dígitos com DDI, ex.: 5561999998888'),
    CALLMEBOT_APIKEY: z.string({ error: 'obrigatório (apikey do CallMeBot)' }).trim().min(1),
    DISCORD_WEBHOOK_URL: optionalText.pipe(url.optional()),
    ...discordShape,
    /** The server's public address (alerts link to the admin page with it); on Render, RENDER_EXTERNAL_URL. */
    PUBLIC_URL: optionalText.pipe(url.optional()),
    RENDER_EXTERNAL_URL: optionalText.pipe(url.optional()),
    ALERT_INTERVAL_MS: int(10_000, 0),

    ADMIN_TOKEN: optionalText.pipe(z.string().min(16, 'use ao menos 16 caracteres').optional()),
    /** Bearer token of GET /metrics; unset: ADMIN_TOKEN; neither: no /metrics. */
    METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'use ao menos 16 caracteres').optional()),

    ...eadShape,

    CHATPRO_BASE_URL: url.default('https://v5.chatpro.com.br'),
    CHATPRO_INSTANCE_ID: optionalText,
    CHATPRO_TOKEN: optionalText,

    PLANS_FILE: z.string().trim().min(1).default(DEFAULT_PLANS_FILE),
    STUDENT_DEFAULT_PASSWORD: optionalText,
    ALERT_ON_SUCCESS: bool(true),
    REVOKE_MODE: z.enum(['delete', 'courses']).default('delete'),
    CANCEL_POLICY: z.enum(['at_period_end', 'immediate', 'ignore']).default('at_period_end'),

    SCHOOL_NAME: optionalText,
    PORTAL_URL: optionalText.pipe(url.optional()),
    ANDROID_APP_URL: optionalText.pipe(url.optional()),
    IOS_APP_URL: optionalText.pipe(url.optional()),
    SUPPORT_WHATSAPP: optionalText,
    ...mailShape,
  })
  .check(allOrNone(['CHATPRO_INSTANCE_ID', 'CHATPRO_TOKEN'], 'juntos (ou nenhum dos dois para não enviar boas-vindas)'))
  .check(checkDiscord)
  .check(checkKiwifyApi)
  .check(checkMail)
  .check(checkWelcomeTemplates)
  .transform(({ RENDER, TRUST_PROXY, ...config }, ctx) => {
    // Read again for use (the check above found them sound): the compiled templates.
    const { templates } = loadWelcomeTemplates({ email: config.WELCOME_EMAIL_TEMPLATE, whatsapp: config.WELCOME_WHATSAPP_TEMPLATE });
    if (!templates) {
      ctx.issues.push({ code: 'custom', input: config, path: ['WELCOME_EMAIL_TEMPLATE'], message: 'os modelos mudaram durante a leitura' });
      return z.NEVER;
    }
    return {
      ...config,
      TRUST_PROXY: TRUST_PROXY ?? (RENDER ? 1 : false),
      /** The SMTP server, when one is configured (SMTP_URL or SMTP_HOST…). */
      smtp: resolveSmtp(config).settings,
      /** The welcome's templates, checked (WELCOME_EMAIL_TEMPLATE, WELCOME_WHATSAPP_TEMPLATE, or the defaults). */
      welcomeTemplates: templates,
    };
  });

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuração inválida:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** An empty value (`PLANS_FILE=` in a .env file) means "unset": the default applies. */
function setVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
}

function parseWith<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, problems: string[] = []): z.infer<T> {
  const result = schema.safeParse(setVariables(env));
  if (!result.success) problems.push(...result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data as z.infer<T>;
}

/**
 * The values `.env.example` ships with. A variable still holding one means the file was copied
 * and never filled in: the server must not start "healthy" on them.
 */
export const EXAMPLE_VALUES: Readonly<Record<string, string>> = {
  KIWIFY_WEBHOOK_TOKEN: 'change-me',
  CALLMEBOT_PHONE: '5561999990000',
  CALLMEBOT_APIKEY: 'change-me',
  EAD_API_KEY: 'change-me',
};

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Each item of a list counts: "change-me,real-token" would still accept the example token.
  const placeholders = Object.entries(EXAMPLE_VALUES)
    .filter(([name, example]) => (env[name] ?? '').split(',').some((item) => item.trim() === example))
    .map(([name]) => `${name}: troque o valor de exemplo de ${name} (copiado do .env.example) pelo valor real`);
  return parseWith(configSchema, env, placeholders);
}

export type StorageSettings = z.infer<typeof storageSchema>;
const storageSchema = z.object(storageShape);

/** Only the storage variables (SQLITE_PATH, DATABASE_URL), for tools that open the inbox directly. */
export function loadStorageConfig(env: NodeJS.ProcessEnv = process.env): StorageSettings {
  return parseWith(storageSchema, env);
}

export type DiscordSettings = z.infer<typeof discordSchema>;
const discordSchema = z.object({ ...discordShape, HTTP_TIMEOUT_MS: httpTimeout }).check(checkDiscord);

/** Only the Discord variables, for `npm run discord` (registering the commands). */
export function loadDiscordConfig(env: NodeJS.ProcessEnv = process.env): DiscordSettings {
  return parseWith(discordSchema, env);
}

export type EadSettings = z.infer<typeof eadSchema>;
const eadSchema = z.object({ ...eadShape, HTTP_TIMEOUT_MS: httpTimeout });

/** Only the EAD's variables, for tools that read its catalog. */
export function loadEadConfig(env: NodeJS.ProcessEnv = process.env): EadSettings {
  return parseWith(eadSchema, env);
}

const keySchema = z.object({
  SECRET_KEY: secretKey,
  EAD_API_KEY: z.string({ error: 'obrigatório quando SECRET_KEY não está definido' }).trim().min(1),
});

/**
 * The secret behind the hashed customer keys (SECRET_KEY, else EAD_API_KEY, as the server uses
 * them), for tools that find a person's events after their personal data was removed.
 */
export function loadKeySecret(env: NodeJS.ProcessEnv = process.env): string {
  const secrets = parseWith(keySchema.partial(), env);
  if (secrets.SECRET_KEY) return secrets.SECRET_KEY;
  return parseWith(keySchema.pick({ EAD_API_KEY: true }), env).EAD_API_KEY;
}

const kiwifyApiSchema = z.object({ ...storageShape, ...kiwifyApiShape, HTTP_TIMEOUT_MS: httpTimeout }).check(checkKiwifyApi);
export type KiwifyApiSettings = z.infer<typeof kiwifyApiSchema>;

/** Storage and Kiwify's API variables, for `npm run reconcile` (works while the server is down). */
export function loadKiwifyApiConfig(env: NodeJS.ProcessEnv = process.env): KiwifyApiSettings {
  return parseWith(kiwifyApiSchema, env);
}
