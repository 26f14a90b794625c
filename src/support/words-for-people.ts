import { cut } from '../domain/text.js';

/**
 * Texts as support's pages show them. Errors and outcomes name the configuration variable a
 * developer must fix ("ou EAD_BASE_URL está errado", "(CHATPRO_TOKEN / CHATPRO_INSTANCE_ID)"):
 * that is what logs, the JSON API, the command line and the alerts to whoever is on call keep.
 * The admin pages speak to the school's support team: the same text in words, without the
 * variable names (they are in README's Configuration, next to what each one means).
 */

/** What each configuration variable is, in support's words (used where a text names it bare). */
const VARIABLE_WORDS: Readonly<Record<string, string>> = {
  EAD_BASE_URL: 'o endereço do EAD',
  EAD_API_KEY: 'a chave da API do EAD',
  EAD_UNIT_ID: 'a unidade do EAD',
  CHATPRO_BASE_URL: 'o endereço do ChatPro',
  CHATPRO_TOKEN: 'o token do ChatPro',
  CHATPRO_INSTANCE_ID: 'a instância do ChatPro',
  CALLMEBOT_BASE_URL: 'o endereço do CallMeBot',
  CALLMEBOT_APIKEY: 'a chave do CallMeBot',
  CALLMEBOT_PHONE: 'o celular do CallMeBot',
  DISCORD_WEBHOOK_URL: 'o webhook do Discord',
  DISCORD_API_URL: 'o endereço da API do Discord',
  DISCORD_BOT_TOKEN: 'o token do bot do Discord',
  DISCORD_PUBLIC_KEY: 'a chave pública do aplicativo do Discord',
  DISCORD_APPLICATION_ID: 'o aplicativo do Discord',
  DISCORD_GUILD_ID: 'o servidor do Discord',
  DISCORD_SUPPORT_ROLE_ID: 'o cargo de suporte no Discord',
  DISCORD_ALERT_CHANNEL_ID: 'o canal de alertas do Discord',
  KIWIFY_API_URL: 'o endereço da API da Kiwify',
  KIWIFY_CLIENT_ID: 'a chave da API da Kiwify',
  KIWIFY_CLIENT_SECRET: 'a chave da API da Kiwify',
  KIWIFY_ACCOUNT_ID: 'a conta da Kiwify',
  KIWIFY_WEBHOOK_TOKEN: 'o token do webhook da Kiwify',
  ADMIN_TOKEN: 'o token de administração',
  PLANS_FILE: 'o arquivo de planos',
  RETENTION_DAYS: 'o prazo de guarda dos dados',
  DATABASE_URL: 'o banco de dados',
  SQLITE_PATH: 'o arquivo do banco de dados',
  PUBLIC_URL: 'o endereço público do servidor',
  SECRET_KEY: 'a chave secreta do servidor',
  STUDENT_DEFAULT_PASSWORD: 'a senha padrão dos alunos',
  REVOKE_MODE: 'a regra de reembolso',
  CANCEL_POLICY: 'a regra de cancelamento',
  SMTP_URL: 'o servidor de e-mail',
  SMTP_HOST: 'o servidor de e-mail',
  SMTP_PORT: 'a porta do servidor de e-mail',
  SMTP_USER: 'o usuário do servidor de e-mail',
  SMTP_PASSWORD: 'a senha do servidor de e-mail',
  MAIL_FROM: 'o remetente dos e-mails',
  MAIL_REPLY_TO: 'o endereço de resposta dos e-mails',
  WELCOME_CHANNELS: 'os canais de boas-vindas',
  WELCOME_EMAIL_TEMPLATE: 'o modelo do e-mail de boas-vindas',
  WELCOME_WHATSAPP_TEMPLATE: 'o modelo da mensagem de boas-vindas no WhatsApp',
};

/** The variables `forPeople` knows the words for (a test holds every variable the server's texts name to it). */
export const DESCRIBED_VARIABLES: ReadonlySet<string> = new Set(Object.keys(VARIABLE_WORDS));

/** A configuration variable's name: capitals, digits and at least one underscore ("EAD_API_KEY"). */
const VARIABLE = String.raw`\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b(?:=[\w.-]+)?`;
const KNOWN = DESCRIBED_VARIABLES;
const NAMES_A_VARIABLE = new RegExp(VARIABLE);
/*
 * Every pattern below runs in linear time over any text: spaces before something are matched
 * only from the first space of a run (`(?<!\s)`), so a run of spaces not followed by it is
 * tried once, not once per space (100,000 spaces took 15 s).
 */
/** A parenthesis that names a variable: "(EAD_API_KEY)", "(CHATPRO_TOKEN / CHATPRO_INSTANCE_ID)", "(REVOKE_MODE=courses)". */
const VARIABLE_ASIDE = /(?<!\s)\s*\(([^()]*)\)/g;
const BARE_VARIABLE = new RegExp(VARIABLE, 'g');
/** A network error's code in parentheses ("(ECONNREFUSED)", "(ENOTFOUND)"): jargon for support. */
const NETWORK_CODE = /(?<!\s)\s*\((?:E[A-Z]{3,}|EAI_AGAIN)\)/g;
/** Spaces before a punctuation mark. */
const SPACE_BEFORE_MARK = /(?<!\s)\s+([.,;:])/g;
/** Longest text shown (a page shows errors and outcomes, never pages of them). */
export const MAX_TEXT_FOR_PEOPLE = 4_000;
/** "de o endereço" → "do endereço": what a replacement leaves behind. */
const CONTRACTIONS: Array<[RegExp, string]> = [
  [/\bde o\b/g, 'do'],
  [/\bde a\b/g, 'da'],
  [/\bem o\b/g, 'no'],
  [/\bem a\b/g, 'na'],
];

/**
 * `text` without configuration variable names: an aside in parentheses that names one goes
 * whole; a name left in a sentence becomes its words ("confira EAD_UNIT_ID" → "confira a
 * unidade do EAD"); a network error's code in parentheses ("(ECONNREFUSED)") goes. Anything
 * else — an upstream's own words and codes ("ERR_BAD_RESPONSE", "HTTP 400") — stays.
 */
export function forPeople(text: string): string {
  let out = cut(text, MAX_TEXT_FOR_PEOPLE)
    .replace(VARIABLE_ASIDE, (aside: string, inner: string) => (names(inner) ? '' : aside))
    .replace(NETWORK_CODE, '');
  out = out.replace(BARE_VARIABLE, (name: string) => {
    const bare = name.split('=')[0];
    return KNOWN.has(bare) ? VARIABLE_WORDS[bare] : name;
  });
  for (const [pattern, replacement] of CONTRACTIONS) out = out.replace(pattern, replacement);
  // A message ending in "." put before another "." ("…: ${detail}. Confira"): one period.
  return out
    .replace(/ {2,}/g, ' ')
    .replace(SPACE_BEFORE_MARK, '$1')
    .replace(/(?<!\.)\.\.(?!\.)/g, '.');
}

/** Whether an aside names one of our variables (an upstream's own code in parentheses stays). */
function names(inner: string): boolean {
  if (!NAMES_A_VARIABLE.test(inner)) return false;
  return [...inner.matchAll(BARE_VARIABLE)].some((m) => KNOWN.has(m[0].split('=')[0]) || /^[A-Z]+_[A-Z_]+=/.test(m[0]));
}

/**
 * A message that ends with exactly one period (or its own "!", "?", "…"): the source of double
 * periods is a message ending in "." put before another "." ("…está errado." + ".").
 */
export function sentence(text: string): string {
  const trimmed = text.trim().replace(/\.{2,}$/, '.');
  if (trimmed === '') return trimmed;
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
