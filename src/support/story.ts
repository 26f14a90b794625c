import { formatTime, welcomeSkipReason } from '../domain/messages.js';
import { plainLine } from '../domain/upstream-text.js';
import { stepLabel, type StepResults, type WelcomeStep } from '../sales/steps.js';

/** Course names by id (from the EAD's catalog); an id without a name is shown as "curso N". */
export type CourseNames = ReadonlyMap<number, string>;

const courseList = (ids: Array<number | string>, names: CourseNames) =>
  ids.map((id) => names.get(Number(id)) ?? `curso ${id}`).join(', ') || 'nenhum';

const REVOCATION_ACTIONS: Record<StepResults['decision']['action'], string> = {
  delete: 'excluir o aluno',
  remove_courses: 'remover só os cursos desta venda',
  nothing: 'não remover nada',
};

/**
 * One journaled step, as support reads it: "Aluno encontrado (id 8097)", "Matriculado em Excel
 * Básico, Excel Avançado". Never raw JSON; a password never shows (it is sealed, and not told).
 * Null for a step the history already tells.
 */
export function describeStep(step: string, result: unknown, names: CourseNames): string | null {
  const removal = /^remove_course:(\d+)$/.exec(step);
  if (removal) return `Removido do curso ${courseList([removal[1]], names)}.`;
  const r = (result ?? {}) as Record<string, unknown>;
  switch (step) {
    case 'find_student': {
      const { studentId } = r as StepResults['find_student'];
      return studentId ? `Aluno encontrado no EAD pelo CPF (id ${studentId}).` : 'Aluno não encontrado no EAD pelo CPF: será cadastrado.';
    }
    case 'cadastro_requested':
      return 'Cadastro pedido ao EAD.';
    case 'cadastro': {
      const c = r as unknown as StepResults['cadastro'];
      if (!c.created) return `Aluno já existia no EAD (id ${c.studentId}).`;
      return c.recovered
        ? `Cadastro confirmado: o EAD já tinha o aluno de uma tentativa anterior (id ${c.studentId}).`
        : `Aluno cadastrado no EAD (id ${c.studentId}).`;
    }
    case 'courses_before': {
      const { courses } = r as StepResults['courses_before'];
      if (courses === null) return 'Não foi possível ler os cursos que o aluno já tinha.';
      return courses.length ? `O aluno já tinha: ${courseList(courses, names)}.` : 'O aluno ainda não tinha cursos.';
    }
    case 'matricula': {
      const m = r as unknown as StepResults['matricula'];
      const had = m.alreadyHad.length ? ` (já tinha: ${courseList(m.alreadyHad, names)})` : '';
      const days = m.days
        ? ` por ${m.days} dias${m.contractEnds ? ` (o EAD registrou o fim do contrato em ${dayOf(m.contractEnds)})` : ''}`
        : '';
      return m.enrolled.length
        ? `Matriculado em ${courseList(m.enrolled, names)}${days}${had}.`
        : `Nenhuma matrícula nova: já tinha todos os cursos do plano.`;
    }
    case 'access_end': {
      const a = r as unknown as StepResults['access_end'];
      const why = a.why === 'trial' ? 'fim do teste grátis, mais a tolerância para a primeira cobrança' : 'fim do prazo de acesso do plano';
      return `Retirada do acesso agendada para ${formatTime(a.at)} (${why}; evento #${a.eventId}). Uma renovação ou pagamento desta venda a cancela.`;
    }
    case 'welcome': // WhatsApp's, journaled by a release before e-mail welcomes
    case 'welcome_whatsapp':
      return describeWelcome('WhatsApp', r as unknown as WelcomeStep);
    case 'welcome_email':
      return describeWelcome('e-mail', r as unknown as WelcomeStep);
    case 'whatsapp_failures': // each failure is a retry in the history
    case 'phone_correction':
    case 'email_correction':
      return null; // told by the history entry of the correction, with who made it
    case 'decision': {
      const d = r as unknown as StepResults['decision'];
      if (!d.studentId) return 'Decisão: aluno não encontrado no EAD pelo CPF, nada a revogar.';
      const source = d.grantedFrom === 'plan' ? ' (cursos do plano: nenhuma aprovação desta venda registrada)' : '';
      const account = d.accountCreatedBySale ? ` A conta do aluno (id ${d.studentId}) foi criada por esta venda.` : '';
      return (
        `Decisão: ${REVOCATION_ACTIONS[d.action]} — ${d.reason}. ` +
        `Esta venda deu: ${courseList(d.granted, names)}${source}. O aluno tinha: ${courseList(d.had, names)}.${account}`
      );
    }
    case 'courses_before_delete': {
      const { courses } = r as StepResults['courses_before_delete'];
      return courses === null
        ? 'Conferido antes da exclusão: o aluno já não existe no EAD.'
        : `Conferido antes da exclusão: o aluno tem ${courseList(courses, names)}.`;
    }
    case 'delete_student':
      return `Aluno excluído do EAD (id ${String(r.deleted)}).`;
    default:
      return `Etapa concluída: ${stepLabel(step)}.`;
  }
}

/** "Boas-vindas enviadas por e-mail para b***@example.com (o WhatsApp não pôde recebê-las)." */
function describeWelcome(channel: string, w: WelcomeStep): string {
  const to = w.to ? ` para ${w.to}` : '';
  if (w.sent) return `Boas-vindas enviadas por ${channel}${to}${w.fallback ? ' (o WhatsApp não pôde recebê-las)' : ''}.`;
  const detail = w.detail ? ` — ${w.detail}` : '';
  return `Boas-vindas não enviadas por ${channel}${to}: ${welcomeSkipReason(w.reason)}${detail}.`;
}

/** A date the EAD wrote (YYYY-MM-DD) as people read it: "31/12/2027". */
function dayOf(isoDay: string): string {
  const [y, m, d] = isoDay.split('-');
  return y && m && d ? `${d}/${m}/${y}` : isoDay;
}

/**
 * An error text as support sees it: one line, no markup. Upstreams answer HTML error pages; the
 * clients already shorten them, and whatever still looks like markup is reduced here.
 */
export function oneLine(text: string, max = 300): string {
  return plainLine(text, max);
}
