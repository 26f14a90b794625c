import { readFileSync } from 'node:fs';
import { evaluate, parse } from '@humanwhocodes/momoa';
import { z } from 'zod';
import { cleanText, isCleanText, controlCharactersMessage, isWhatsAppGroupLink, WHATSAPP_GROUP_PROBLEM } from '../domain/clean-text.js';
import { normalizeText } from '../domain/text.js';

/**
 * The plan map: which EAD courses each Kiwify plan (or product) gives. It lives in the database
 * (store/plans.ts); a file is only read by the first start with an empty map and by
 * `npm run plans -- import`. File format: `{"<plan name>": [course ids]}` or
 * `{"<plan name>": {"courses": [ids], "whatsappGroup": "https://..."}}`.
 * Names match ignoring case, accents and extra spaces.
 */
export interface Plan {
  name: string;
  courses: number[];
  whatsappGroup?: string;
  /** Days of access a purchase gives (a one-off plan with "1 ano de acesso"); unset: no end. */
  accessDays?: number;
}

/** Longest time-limited access a plan may give, in days (ten years: anything longer is a typo). */
export const MAX_ACCESS_DAYS = 3650;

/** A plan's days of access: a whole number of days, at least one. */
export const accessDaysSchema = z
  .number({ error: 'dias de acesso devem ser um número' })
  .int('dias de acesso devem ser um número inteiro')
  .min(1, 'dias de acesso devem ser pelo menos 1')
  .max(MAX_ACCESS_DAYS, `dias de acesso demais (máx. ${MAX_ACCESS_DAYS})`);

const courseIds = z
  .array(
    z.number({ error: 'id de curso deve ser um número' }).int('id de curso deve ser inteiro').positive('id de curso deve ser positivo'),
  )
  .min(1, 'lista de cursos vazia');

/** A plan's WhatsApp group: only an invite link of WhatsApp (clean-text.ts). */
const whatsappGroup = z.string({ error: WHATSAPP_GROUP_PROBLEM }).trim().refine(isWhatsAppGroupLink, { error: WHATSAPP_GROUP_PROBLEM });

const detailedEntry = z.strictObject({
  courses: courseIds,
  whatsappGroup: whatsappGroup.optional(),
  accessDays: accessDaysSchema.optional(),
});

/** A list of ids, or `{courses, whatsappGroup}`; each form validated on its own for clear messages. */
function parseEntry(value: unknown) {
  if (Array.isArray(value)) return courseIds.safeParse(value);
  if (typeof value === 'object' && value !== null) return detailedEntry.safeParse(value);
  return z.never({ error: 'use uma lista de ids de cursos ou {"courses": [...], "whatsappGroup": "https://..."}' }).safeParse(value);
}

export class PlanMapError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Mapa de planos inválido (${file}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlanMapError';
  }
}

const TOKEN_WORDS: Record<string, string> = {
  Comma: 'vírgula fora de lugar (duas vírgulas seguidas, ou uma vírgula sem nada antes?)',
  Colon: 'dois-pontos fora de lugar',
  LBrace: '"{" fora de lugar (falta uma vírgula antes?)',
  RBrace: '"}" fora de lugar (vírgula sobrando antes dele?)',
  LBracket: '"[" fora de lugar (faltam os dois-pontos depois do nome do plano?)',
  RBracket: '"]" fora de lugar (vírgula sobrando antes dele?)',
  String: 'texto entre aspas fora de lugar (falta uma vírgula entre dois itens?)',
  Number: 'número fora de lugar (falta uma vírgula entre dois ids?)',
  Boolean: 'true/false fora de lugar',
  Null: 'null fora de lugar',
};

/**
 * A JSON syntax error (the parser's, in English) in Portuguese, with where it is: "JSON inválido
 * na linha 3, coluna 14: vírgula fora de lugar (…)".
 */
function jsonProblem(err: unknown): string {
  const e = err as { message?: unknown; line?: unknown; column?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const where = typeof e.line === 'number' && typeof e.column === 'number' ? ` na linha ${e.line}, coluna ${e.column}` : '';
  const token = /^Unexpected token (\w+)/.exec(message)?.[1];
  const word = /^Unexpected identifier '(.*)'/.exec(message)?.[1];
  const char = /^Unexpected character '(.*)'/.exec(message)?.[1];
  let what = 'texto que não é JSON';
  if (/^Unexpected end of input/.test(message)) what = 'o arquivo termina antes da hora (falta fechar "}" ou "]"?)';
  else if (token) what = TOKEN_WORDS[token] ?? `"${token}" fora de lugar`;
  else if (word !== undefined) what = `"${word}" não é um valor JSON (use números, textos entre aspas duplas, true, false ou null)`;
  else if (char !== undefined) what = `caractere "${char}" não permitido (o JSON usa aspas duplas)`;
  return `JSON inválido${where}: ${what}`;
}

/** Parses and validates a plan map; throws PlanMapError listing every problem. */
export function parsePlanMap(text: string, file = 'PLANS_FILE'): Map<string, Plan> {
  let ast;
  try {
    ast = parse(text);
  } catch (err) {
    throw new PlanMapError(file, [jsonProblem(err)]);
  }
  if (ast.body.type !== 'Object') throw new PlanMapError(file, ['o arquivo deve ser um objeto JSON { "plano": [cursos] }']);
  const problems: string[] = [];
  const plans = new Map<string, Plan>();
  const firstName = new Map<string, string>();
  // Walk the members ourselves: JSON.parse would silently keep only the last of two equal keys.
  for (const member of ast.body.members) {
    const name = member.name.type === 'String' ? member.name.value : String(member.name.name);
    const key = normalizeText(name);
    const line = member.name.loc.start.line;
    if (!key) {
      problems.push(`linha ${line}: nome de plano vazio`);
      continue;
    }
    if (!isCleanText(name)) {
      problems.push(`linha ${line}: ${controlCharactersMessage('o nome do plano')}`);
      continue;
    }
    const previous = firstName.get(key);
    if (previous !== undefined) {
      problems.push(`linha ${line}: "${name}" repete o plano "${previous}" (nomes comparados sem maiúsculas, acentos e espaços extras)`);
      continue;
    }
    firstName.set(key, name);
    const parsed = parseEntry(evaluate(member.value));
    if (!parsed.success) {
      problems.push(`linha ${line}: "${name}": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      continue;
    }
    const entry = parsed.data;
    const courses = Array.isArray(entry) ? entry : entry.courses;
    plans.set(key, {
      name,
      courses: [...new Set(courses)],
      whatsappGroup: Array.isArray(entry) ? undefined : entry.whatsappGroup,
      ...(Array.isArray(entry) || entry.accessDays === undefined ? {} : { accessDays: entry.accessDays }),
    });
  }
  if (plans.size === 0 && problems.length === 0) problems.push('nenhum plano definido');
  if (problems.length > 0) throw new PlanMapError(file, problems);
  return plans;
}

/** Where the flows look plans up (the database's map, or a fixed one in tests). */
export interface PlanLookup {
  /** The plan with this name (ignoring case, accents and extra spaces), if mapped. */
  resolve(name: string | undefined): Promise<Plan | undefined>;
}

/** A fixed plan map in memory (tests). */
export function planLookup(plans: Iterable<Plan>): PlanLookup {
  const byName = new Map([...plans].map((plan) => [normalizeText(plan.name), plan]));
  return { resolve: (name) => Promise.resolve(name ? byName.get(normalizeText(name)) : undefined) };
}

/** Reads and validates a plan map file (PLANS_FILE, or `npm run plans -- import FILE`). */
export function readPlanFile(file: string): Plan[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PlanMapError(file, [
      missing
        ? 'arquivo não encontrado: confira PLANS_FILE (vazio = o mapa da escola em src/plans.json)'
        : `não foi possível ler o arquivo (${(err as Error).message}): confira PLANS_FILE`,
    ]);
  }
  return [...parsePlanMap(text, file).values()];
}

/** Longest plan name accepted (Kiwify's names are short; a name is a key). */
export const MAX_PLAN_NAME = 200;

const planInput = z.strictObject(
  {
    name: z
      .string({ error: 'informe o nome do plano' })
      .trim()
      .min(1, 'informe o nome do plano')
      .max(MAX_PLAN_NAME, `nome do plano longo demais (máx. ${MAX_PLAN_NAME} caracteres)`)
      .refine(...cleanText('O nome do plano'))
      .refine((name) => normalizeText(name) !== '', 'informe o nome do plano'),
    courses: courseIds.max(100, 'cursos demais para um plano (máx. 100)'),
    whatsappGroup: whatsappGroup.optional(),
    accessDays: accessDaysSchema.optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `campo(s) desconhecido(s): ${issue.keys.join(', ')}` : undefined) },
);

/** One plan as support edits it (page, API, CLI): its problems in pt-BR, or the plan. */
export function validatePlan(input: unknown): { ok: true; plan: Plan } | { ok: false; problems: string[] } {
  const parsed = planInput.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  const { name, courses, whatsappGroup, accessDays } = parsed.data;
  return { ok: true, plan: { name, courses: [...new Set(courses)], whatsappGroup, ...(accessDays === undefined ? {} : { accessDays }) } };
}
