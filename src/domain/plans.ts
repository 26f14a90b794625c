import { readFileSync, statSync } from 'node:fs';
import { evaluate, parse } from '@humanwhocodes/momoa';
import { z } from 'zod';
import { normalizeText } from './text.js';

/**
 * The plan map: which EAD courses each Kiwify plan (or product) gives.
 * File format (PLANS_FILE): `{"<plan name>": [course ids]}` or
 * `{"<plan name>": {"courses": [ids], "whatsappGroup": "https://..."}}`.
 * Names match ignoring case, accents and extra spaces.
 */
export interface Plan {
  name: string;
  courses: number[];
  whatsappGroup?: string;
}

const courseIds = z
  .array(
    z.number({ error: 'id de curso deve ser um número' }).int('id de curso deve ser inteiro').positive('id de curso deve ser positivo'),
  )
  .min(1, 'lista de cursos vazia');

const detailedEntry = z.strictObject({ courses: courseIds, whatsappGroup: z.url({ protocol: /^https?$/ }).optional() });

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

/** Parses and validates a plan map; throws PlanMapError listing every problem. */
export function parsePlanMap(text: string, file = 'PLANS_FILE'): Map<string, Plan> {
  let ast;
  try {
    ast = parse(text);
  } catch (err) {
    throw new PlanMapError(file, [`JSON inválido: ${err instanceof Error ? err.message : String(err)}`]);
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
    });
  }
  if (plans.size === 0 && problems.length === 0) problems.push('nenhum plano definido');
  if (problems.length > 0) throw new PlanMapError(file, problems);
  return plans;
}

/** Where the flows look plans up (the file-backed catalog below, or any other source). */
export interface PlanLookup {
  /** The plan with this name (ignoring case, accents and extra spaces), if mapped. */
  resolve(name: string | undefined): Plan | undefined;
}

/** A fixed plan map in memory (tests, and a map read once). */
export function planLookup(plans: Iterable<Plan>): PlanLookup {
  const byName = new Map([...plans].map((plan) => [normalizeText(plan.name), plan]));
  return { resolve: (name) => (name ? byName.get(normalizeText(name)) : undefined) };
}

/**
 * The plan map in use, re-read when its file changes (no restart needed). An invalid edit never
 * replaces the valid map in use: `onInvalid` is told (log + alert) once per bad version.
 */
export class PlanCatalog implements PlanLookup {
  private plans: Map<string, Plan>;
  private version: string;
  private rejectedVersion: string | undefined;

  constructor(
    private readonly file: string,
    private readonly onInvalid: (error: PlanMapError) => void = () => {},
    private readonly onReload: (count: number) => void = () => {},
  ) {
    let text: string;
    try {
      this.version = this.fileVersion();
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new PlanMapError(file, [
        missing
          ? 'arquivo não encontrado: confira PLANS_FILE (vazio = o mapa da escola em src/plans.json)'
          : `não foi possível ler o arquivo (${(err as Error).message}): confira PLANS_FILE`,
      ]);
    }
    this.plans = parsePlanMap(text, file);
  }

  private fileVersion(): string {
    const stat = statSync(this.file);
    return `${stat.mtimeMs}:${stat.size}`;
  }

  private refresh(): void {
    let version: string;
    try {
      version = this.fileVersion();
    } catch (err) {
      version = `missing:${(err as NodeJS.ErrnoException).code}`;
    }
    if (version === this.version || version === this.rejectedVersion) return;
    try {
      this.plans = parsePlanMap(readFileSync(this.file, 'utf8'), this.file);
      this.version = version;
      this.rejectedVersion = undefined;
      this.onReload(this.plans.size);
    } catch (err) {
      this.rejectedVersion = version;
      const error = err instanceof PlanMapError ? err : new PlanMapError(this.file, [String(err)]);
      this.onInvalid(error);
    }
  }

  /** The plan with this name (ignoring case, accents and extra spaces), if mapped. */
  resolve(name: string | undefined): Plan | undefined {
    this.refresh();
    return name ? this.plans.get(normalizeText(name)) : undefined;
  }

  all(): Plan[] {
    this.refresh();
    return [...this.plans.values()];
  }
}
