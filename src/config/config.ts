import { z } from 'zod';
import { GROUPS } from './groups.js';
import type { Payload } from './variables.js';

/**
 * The configuration: every environment variable the server reads, parsed once at start-up into
 * one object grouped by concern (groups.ts): a bad variable stops start-up with a message naming
 * it and the fix. Tools ask for the groups they need from the same definitions.
 */

export type GroupName = keyof typeof GROUPS;
type GroupValue<K extends GroupName> = ReturnType<(typeof GROUPS)[K]['build']>;
export type Config = { [K in GroupName]: GroupValue<K> };

export { DEFAULT_PLANS_FILE, RETIRED_VARIABLES } from './groups.js';
export { DEFAULT_WELCOME_EMAIL_TEMPLATE, DEFAULT_WELCOME_WHATSAPP_TEMPLATE } from './mail-config.js';
export { DISCORD_CONSOLE_VARIABLES, KIWIFY_API_VARIABLES } from './groups.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuração inválida:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
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

/** zod's messages in Portuguese, for these parses only (nothing global: other schemas keep theirs). */
const PT_BR = z.locales.ptBR().localeError;

/** An empty value (`PLANS_FILE=` in a .env file) means "unset": the default applies. */
function setVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
}

/** One schema over the chosen groups' variables: their rules, then each group's value. */
function schemaOf(names: readonly GroupName[]) {
  const chosen = (Object.keys(GROUPS) as GroupName[]).filter((name) => names.includes(name));
  const shape = Object.assign({}, ...chosen.map((name) => GROUPS[name].shape)) as z.ZodRawShape;
  let schema = z.object(shape);
  for (const name of chosen) for (const check of GROUPS[name].checks ?? []) schema = schema.check(check);
  return schema.transform((values, ctx) => {
    const build = (name: GroupName) => (GROUPS[name].build as (v: unknown, c: Payload) => unknown)(values, ctx);
    return Object.fromEntries(chosen.map((name) => [name, build(name)]));
  });
}

/** Every variable of `.env.example`'s placeholders still set to it, among those the groups read. */
function placeholders(env: NodeJS.ProcessEnv, variables: ReadonlySet<string>): string[] {
  // Each item of a list counts: "change-me,real-token" would still accept the example token.
  return Object.entries(EXAMPLE_VALUES)
    .filter(([name]) => variables.has(name))
    .filter(([name, example]) => (env[name] ?? '').split(',').some((item) => item.trim() === example))
    .map(([name]) => `${name}: troque o valor de exemplo de ${name} (copiado do .env.example) pelo valor real`);
}

const ALL_GROUPS = Object.keys(GROUPS) as GroupName[];

/**
 * Parses the environment into the configuration (every group: what the server needs), or into
 * the `groups` asked for (what a tool needs: `loadConfig(env, ['storage'])`). Throws ConfigError
 * naming every bad variable and its fix.
 */
export function loadConfig(env?: NodeJS.ProcessEnv): Config;
export function loadConfig<G extends GroupName>(env: NodeJS.ProcessEnv, groups: readonly G[]): Pick<Config, G>;
export function loadConfig(env: NodeJS.ProcessEnv = process.env, groups: readonly GroupName[] = ALL_GROUPS): Partial<Config> {
  const variables = new Set(groups.flatMap((name) => Object.keys(GROUPS[name].shape)));
  const problems = placeholders(env, variables);
  const result = schemaOf(groups).safeParse(setVariables(env), { error: PT_BR });
  if (!result.success) problems.push(...result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`));
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return result.data;
}
