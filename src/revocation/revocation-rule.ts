import type { Revocation } from '../sales/steps.js';

/**
 * The refund rule, as a pure function: take away only what this sale granted, keep everything
 * else the student has, and delete the account only when nothing of theirs would be left.
 */

export interface RevocationInput {
  /** What this sale granted: courses its approvals journaled, or (no approval received) its plan's. */
  granted: number[];
  /** The student's courses right now (EAD ids, as the EAD gives them). */
  has: string[];
  /** Courses another active sale of this customer needs. */
  neededByOtherSales: ReadonlySet<number>;
  mode: 'delete' | 'courses';
  /**
   * Positive evidence that the account is this sale's own: one of its approvals journaled the
   * cadastro of this very student (`created: true`), and no other sale of the customer is active.
   * Such an account left with no course at all is deleted (REVOKE_MODE=delete), even when the
   * sale never got as far as a matrícula.
   */
  accountCreatedBySale?: boolean;
}

const list = (ids: Array<string | number>) => ids.join(', ');

export function decideRevocation({ granted, has, neededByOtherSales, mode, accountCreatedBySale = false }: RevocationInput): Revocation {
  const current = new Set(has);
  const grantedNow = granted.filter((id) => current.has(String(id)));
  const remove = grantedNow.filter((id) => !neededByOtherSales.has(id));
  const removed = new Set(remove.map(String));
  const keep = has.filter((id) => !removed.has(id));
  const keptForOtherSales = grantedNow.filter((id) => neededByOtherSales.has(id));

  if (remove.length === 0 && accountCreatedBySale && has.length === 0) {
    return mode === 'delete'
      ? { action: 'delete', remove, keep, keptForOtherSales, reason: 'a conta foi criada por esta venda e o aluno não tem nenhum curso' }
      : {
          action: 'nothing',
          remove,
          keep,
          keptForOtherSales,
          reason: 'conta criada por esta venda mantida, sem cursos (REVOKE_MODE=courses)',
        };
  }
  if (remove.length === 0) {
    const reason =
      granted.length === 0
        ? 'esta venda não matriculou o aluno em nenhum curso'
        : grantedNow.length === 0
          ? 'o aluno já não tinha os cursos desta venda'
          : `os cursos desta venda (${list(keptForOtherSales)}) são usados por outra venda ativa`;
    return { action: 'nothing', remove, keep, keptForOtherSales, reason };
  }
  if (keep.length > 0) {
    return { action: 'remove_courses', remove, keep, keptForOtherSales, reason: `aluno mantido: tem outros cursos (ids ${list(keep)})` };
  }
  if (mode === 'delete') {
    return { action: 'delete', remove, keep, keptForOtherSales, reason: `todos os cursos do aluno (${list(remove)}) eram desta venda` };
  }
  return { action: 'remove_courses', remove, keep, keptForOtherSales, reason: 'aluno mantido (REVOKE_MODE=courses)' };
}
