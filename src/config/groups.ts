import { z } from 'zod';
import { packageFile } from '../domain/package-root.js';
import { mail, welcome } from './mail-config.js';
import {
  allOrNone,
  bool,
  group,
  int,
  longSecret,
  optionalText,
  optionalUrl,
  snowflake,
  together,
  tokenList,
  trustProxy,
  url,
} from './variables.js';

/**
 * The configuration by concern: each group names the environment variables it reads (with their
 * defaults and the message when one is wrong), the rules between them, and the value the code
 * receives. The server reads every group; a tool asks for the groups it needs (config.ts).
 * `.env.example` explains each variable; keep both in step.
 */

/** The school's plan map shipped in the repository (same path from src/ and dist/). */
export const DEFAULT_PLANS_FILE = packageFile('src/plans.json');

/**
 * Variables earlier releases read and this one does not: their values became constants in the
 * modules that use them (README, Configuration). Still set somewhere, they are said once at
 * start-up (server.retired), never an error: an installation keeps starting.
 */
export const RETIRED_VARIABLES = [
  'MAX_ATTEMPTS',
  'RETRY_BASE_MS',
  'RETRY_MAX_MS',
  'LEASE_MS',
  'POLL_INTERVAL_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'HTTP_TIMEOUT_MS',
  'HEALTH_CHECK_INTERVAL_MS',
  'HEALTH_RECHECK_INTERVAL_MS',
  'HTTP_REQUEST_TIMEOUT_MS',
  'ALERT_INTERVAL_MS',
  'RECONCILE_INTERVAL_MS',
  'RECONCILE_LOOKBACK_HOURS',
  'RECONCILE_MAX_RECOVERED',
  'PASSWORD_RETENTION_DAYS',
] as const;

export const KIWIFY_API_VARIABLES = ['KIWIFY_CLIENT_ID', 'KIWIFY_CLIENT_SECRET', 'KIWIFY_ACCOUNT_ID'] as const;
/** The five variables the Discord console needs together. */
export const DISCORD_CONSOLE_VARIABLES = [
  'DISCORD_APPLICATION_ID',
  'DISCORD_PUBLIC_KEY',
  'DISCORD_BOT_TOKEN',
  'DISCORD_GUILD_ID',
  'DISCORD_SUPPORT_ROLE_ID',
] as const;

const server = group({
  shape: {
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Unset: no proxy is believed, except on Render (which sets RENDER), whose one proxy is. */
    TRUST_PROXY: trustProxy.optional(),
    RENDER: optionalText,
    /** The server's public address (alerts link to the admin page with it); on Render, RENDER_EXTERNAL_URL. */
    PUBLIC_URL: optionalUrl,
    RENDER_EXTERNAL_URL: optionalUrl,
    ...Object.fromEntries(RETIRED_VARIABLES.map((name) => [name, optionalText])),
  },
  build: (v) => ({
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    trustProxy: v.TRUST_PROXY ?? (v.RENDER ? 1 : false),
    publicUrl: v.PUBLIC_URL ?? v.RENDER_EXTERNAL_URL,
    /** Variables of earlier releases still set (RETIRED_VARIABLES): said at start-up. */
    retired: RETIRED_VARIABLES.filter((name) => (v as Record<string, unknown>)[name] !== undefined),
  }),
});

/** Events run at the same time, per instance: what an operator sizes to the machine (and the EAD's patience). */
const worker = group({ shape: { WORKER_CONCURRENCY: int(4, 1) }, build: (v) => ({ concurrency: v.WORKER_CONCURRENCY }) });

/** Where the inbox lives, as openStore takes it (named as its variables, which tools and tests build it from). */
const storage = group({
  shape: {
    SQLITE_PATH: z.string().trim().min(1).default('./data/bridge.db'),
    DATABASE_URL: optionalText.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, 'deve começar com postgres://')
        .optional(),
    ),
  },
  build: (v) => ({ SQLITE_PATH: v.SQLITE_PATH, DATABASE_URL: v.DATABASE_URL }),
});

const kiwify = group({ shape: { KIWIFY_WEBHOOK_TOKEN: tokenList }, build: (v) => ({ webhookTokens: v.KIWIFY_WEBHOOK_TOKEN }) });

/** Kiwify's public API, for the reconciliation (sales whose webhook never came): all three credentials or none. */
const kiwifyApi = group({
  shape: {
    KIWIFY_API_URL: url.default('https://public-api.kiwify.com'),
    KIWIFY_CLIENT_ID: optionalText,
    KIWIFY_CLIENT_SECRET: optionalText,
    KIWIFY_ACCOUNT_ID: optionalText,
  },
  checks: [allOrNone(KIWIFY_API_VARIABLES, 'juntos (Kiwify → Apps → API), ou nenhum deles para desligar a conciliação')],
  build: (v) => {
    const set = together(v, KIWIFY_API_VARIABLES);
    const credentials = set && { clientId: set.KIWIFY_CLIENT_ID, clientSecret: set.KIWIFY_CLIENT_SECRET, accountId: set.KIWIFY_ACCOUNT_ID };
    return { baseUrl: v.KIWIFY_API_URL, credentials };
  },
});

/** How to reach the EAD: also read by `npm run plans` (to check course ids against its catalog). */
const ead = group({
  shape: {
    EAD_BASE_URL: url.default('https://meuappdecursos.com.br/ws/v2'),
    EAD_API_KEY: z.string({ error: 'obrigatório (Portal do Licenciado > EAD > API)' }).trim().min(1),
    EAD_UNIT_ID: z.string({ error: 'obrigatório (id da unidade no EAD)' }).trim().regex(/^\d+$/, 'deve ser o id numérico da unidade'),
  },
  build: (v) => ({ baseUrl: v.EAD_BASE_URL, apiKey: v.EAD_API_KEY, unitId: v.EAD_UNIT_ID }),
});

const chatpro = group({
  shape: { CHATPRO_BASE_URL: url.default('https://v5.chatpro.com.br'), CHATPRO_INSTANCE_ID: optionalText, CHATPRO_TOKEN: optionalText },
  checks: [allOrNone(['CHATPRO_INSTANCE_ID', 'CHATPRO_TOKEN'], 'juntos (ou nenhum dos dois para não enviar boas-vindas)')],
  build: (v) => {
    const set = together(v, ['CHATPRO_INSTANCE_ID', 'CHATPRO_TOKEN']);
    return { baseUrl: v.CHATPRO_BASE_URL, instance: set && { id: set.CHATPRO_INSTANCE_ID, token: set.CHATPRO_TOKEN } };
  },
});

/** Support's alerts: CallMeBot (WhatsApp, required) and an optional Discord channel webhook. */
const alerts = group({
  shape: {
    CALLMEBOT_BASE_URL: url.default('https://api.callmebot.com'),
    CALLMEBOT_PHONE: z
      .string({ error: 'obrigatório (telefone do suporte, só dígitos com DDI)' })
      .trim()
      .regex(/^\+?\d{10,15}$/, 'use só dígitos com DDI, ex.: 5561999998888'),
    CALLMEBOT_APIKEY: z.string({ error: 'obrigatório (apikey do CallMeBot)' }).trim().min(1),
    DISCORD_WEBHOOK_URL: optionalUrl,
    /** A short note to support per enrolment. */
    ALERT_ON_SUCCESS: bool(true),
  },
  build: (v) => ({
    callmebot: { baseUrl: v.CALLMEBOT_BASE_URL, phone: v.CALLMEBOT_PHONE, apiKey: v.CALLMEBOT_APIKEY },
    discordWebhookUrl: v.DISCORD_WEBHOOK_URL,
    onSuccess: v.ALERT_ON_SUCCESS,
  }),
});

/** The Discord support console (slash commands, buttons) and the bot that posts alerts: all five or none. */
const discord = group({
  shape: {
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
  },
  checks: [
    allOrNone(
      DISCORD_CONSOLE_VARIABLES,
      'juntos (ou nenhum deles: os alertas seguem por DISCORD_WEBHOOK_URL)',
      // An alert channel needs the bot: set alone, it asks for the five too.
      (value) => Boolean(value.DISCORD_ALERT_CHANNEL_ID),
    ),
  ],
  build: (v) => {
    const set = together(v, DISCORD_CONSOLE_VARIABLES);
    const app = set && {
      applicationId: set.DISCORD_APPLICATION_ID,
      publicKey: set.DISCORD_PUBLIC_KEY,
      botToken: set.DISCORD_BOT_TOKEN,
      guildId: set.DISCORD_GUILD_ID,
      supportRoleId: set.DISCORD_SUPPORT_ROLE_ID,
    };
    return { apiUrl: v.DISCORD_API_URL, console: app, alertChannelId: v.DISCORD_ALERT_CHANNEL_ID };
  },
});

const admin = group({
  shape: {
    ADMIN_TOKEN: longSecret(16, 'use ao menos 16 caracteres'),
    /** Bearer token of GET /metrics; unset: ADMIN_TOKEN; neither: no /metrics. */
    METRICS_TOKEN: longSecret(16, 'use ao menos 16 caracteres'),
  },
  build: (v) => ({ token: v.ADMIN_TOKEN, metricsToken: v.METRICS_TOKEN }),
});

/** Personal data: the secret behind sealed passwords and hashed keys, and how long finished events keep it. */
const privacy = group({
  shape: {
    SECRET_KEY: longSecret(16, 'use ao menos 16 caracteres aleatórios'),
    // Optional here (the secret's fallback); the ead group, read after this one, requires it.
    EAD_API_KEY: optionalText,
    RETENTION_DAYS: int(180, 1),
  },
  checks: [
    (ctx) => {
      if (ctx.value.SECRET_KEY || ctx.value.EAD_API_KEY) return;
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        path: ['EAD_API_KEY'],
        message: 'obrigatório quando SECRET_KEY não está definido',
      });
    },
  ],
  /** `keySecret`: SECRET_KEY, else EAD_API_KEY (as the server always derived them). */
  build: (v) => ({ keySecret: (v.SECRET_KEY ?? v.EAD_API_KEY)!, retentionDays: v.RETENTION_DAYS }),
});

/** The school's sale rules: the plan map's first import, new students' password, refunds and cancellations. */
const sales = group({
  shape: {
    PLANS_FILE: z.string().trim().min(1).default(DEFAULT_PLANS_FILE),
    STUDENT_DEFAULT_PASSWORD: optionalText,
    REVOKE_MODE: z.enum(['delete', 'courses']).default('delete'),
    CANCEL_POLICY: z.enum(['at_period_end', 'immediate', 'ignore']).default('at_period_end'),
  },
  build: (v) => ({
    plansFile: v.PLANS_FILE,
    defaultPassword: v.STUDENT_DEFAULT_PASSWORD,
    revokeMode: v.REVOKE_MODE,
    cancelPolicy: v.CANCEL_POLICY,
  }),
});

/** Every group, in the order their variables are merged (a variable in two groups: the later definition holds). */
export const GROUPS = { server, worker, storage, kiwify, kiwifyApi, privacy, ead, chatpro, mail, welcome, alerts, discord, admin, sales };
