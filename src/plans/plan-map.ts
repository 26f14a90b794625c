import { readFileSync } from 'node:fs';
import { evaluate, parse } from '@humanwhocodes/momoa';
import { z } from 'zod';
import { cleanText, isCleanText, controlCharactersMessage, isWhatsAppGroupLink, WHATSAPP_GROUP_PROBLEM } from '../domain/clean-text.js';
import { normalizeText } from '../domain/text.js';

/**
 * The plan map: which EAD courses each Kiwify plan (or product) gives. It lives in the database
 * (plan-store.ts); a file is only read by the first start with an empty map and by
 * `npm run plans -- import`. File format: `{"<plan name>": [course ids]}` or
 * `{"<plan name>": {"courses": [ids], "whatsappGroup": "https://...", "kiwifyPlanId": "…",
 * "kiwifyProductId": "…", "accessDays": 365}}` (all but `courses` optional).
 * A sale finds its plan by Kiwify's ids first, then by name (plan-resolution.ts); names match
 * ignoring case, accents and extra spaces.
 */
export interface Plan {
  name: string;
  courses: number[];
  whatsappGroup?: string;
  /** Kiwify's id of this plan (`Subscription.plan.id`): a sale still finds it once Kiwify renames it. */
  kiwifyPlanId?: string;
  /** Kiwify's id of the product (`Product.product_id`): for one-off products, and sales the API lists without their plan. */
  kiwifyProductId?: string;
  /** Days of access the plan gives (a one-off plan's "1 ano de acesso": 365); absent, no end. */
  accessDays?: number;
}

/** Most days of access a plan may give (a hundred years: a typo, not a plan, beyond that). */
export const MAX_ACCESS_DAYS = 36_500;

/** Longest Kiwify id accepted (theirs are uuids). */
const MAX_KIWIFY_ID = 200;

const courseIds = z
  .array(
    z.number({ error: 'id de curso deve ser um número' }).int('id de curso deve ser inteiro').positive('id de curso deve ser positivo'),
  )
  .min(1, 'lista de cursos vazia');

/** A plan's WhatsApp group: only an invite link of WhatsApp (clean-text.ts). */
const whatsappGroup = z.string({ error: WHATSAPP_GROUP_PROBLEM }).trim().refine(isWhatsAppGroupLink, { error: WHATSAPP_GROUP_PROBLEM });

/**
 * One of Kiwify's ids (of a plan, of a product) as support types or pastes it: text or a number;
 * empty or null is none.
 */
const kiwifyId = (what: string) =>
  z
    .union([z.string(), z.number()], { error: `o id ${what} na Kiwify deve ser um texto` })
    .nullish()
    .transform((v) => (v === null || v === undefined ? undefined : String(v).trim() || undefined))
    .refine((v) => v === undefined || v.length <= MAX_KIWIFY_ID, `id ${what} na Kiwify longo demais (máx. ${MAX_KIWIFY_ID} caracteres)`)
    .refine((v) => v === undefined || isCleanText(v), controlCharactersMessage(`O id ${what} na Kiwify`));

/** Days of access: a whole number from 1 to MAX_ACCESS_DAYS; null is none. */
const accessDays = z
  .number({ error: 'dias de acesso devem ser um número inteiro' })
  .int('dias de acesso devem ser um número inteiro')
  .positive('dias de acesso devem ser 1 ou mais (deixe vazio para acesso sem fim)')
  .max(MAX_ACCESS_DAYS, `dias de acesso demais (máx. ${MAX_ACCESS_DAYS})`)
  .nullish()
  .transform((v) => v ?? undefined);

/** What a plan has besides its name and courses. */
const planExtras = {
  whatsappGroup: whatsappGroup.optional(),
  kiwifyPlanId: kiwifyId('do plano'),
  kiwifyProductId: kiwifyId('do produto'),
  accessDays,
};

const detailedEntry = z.strictObject({ courses: courseIds, ...planExtras });

/** A list of ids, or `{courses, whatsappGroup}`; each form validated on its own for clear messages. */
function parseEntry(value: unknown) {
  if (Array.isArray(value)) return courseIds.safeParse(value);
  if (typeof value === 'object' && value !== null) return detailedEntry.safeParse(value);
  return z
    .never({ error: 'use uma lista de ids de cursos ou {"courses": [...], "whatsappGroup": "https://...", "accessDays": 365}' })
    .safeParse(value);
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
  const planOfId = new Map<string, string>();
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
    const plan: Plan = Array.isArray(entry) ? { name, courses: entry } : { name, ...entry };
    const other = plan.kiwifyPlanId === undefined ? undefined : planOfId.get(plan.kiwifyPlanId);
    if (other !== undefined) {
      problems.push(
        `linha ${line}: "${name}" tem o id de plano da Kiwify do plano "${other}" (cada plano da Kiwify é um só plano do mapa)`,
      );
      continue;
    }
    if (plan.kiwifyPlanId !== undefined) planOfId.set(plan.kiwifyPlanId, name);
    plans.set(key, withoutAbsent({ ...plan, courses: [...new Set(plan.courses)] }));
  }
  if (plans.size === 0 && problems.length === 0) problems.push('nenhum plano definido');
  if (problems.length > 0) throw new PlanMapError(file, problems);
  return plans;
}

/** A plan without its absent fields (what the map stores, exports and compares). */
export function withoutAbsent(plan: Plan): Plan {
  return Object.fromEntries(Object.entries(plan).filter(([, v]) => v !== undefined)) as unknown as Plan;
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
    ...planExtras,
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `campo(s) desconhecido(s): ${issue.keys.join(', ')}` : undefined) },
);

/** One plan as support edits it (page, API, CLI): its problems in pt-BR, or the plan. */
export function validatePlan(input: unknown): { ok: true; plan: Plan } | { ok: false; problems: string[] } {
  const parsed = planInput.safeParse(input);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  const plan = parsed.data;
  return { ok: true, plan: withoutAbsent({ ...plan, courses: [...new Set(plan.courses)] }) };
}
