/**
 * What a failure's cause (the code of its last error) means to support: a short reason for the
 * list, whether running the event again can change anything, and what to do otherwise — in the
 * words of a school's support team. Variable names appear only where a developer must act.
 */
export interface Cause {
  /** A few words for the "motivo" column. */
  reason: string;
  /** Whether "Reprocessar" can change the outcome (else the page says what to do by hand). */
  retryHelps: boolean;
  /** What to do, in one or two sentences. */
  todo: string;
  /**
   * Not a failure: the event is done, but a person must act (a welcome that did not go out).
   * Listed and filtered like a failure, closed by fixing it or by "Marcar como resolvido".
   */
  notice?: true;
  /** Support must read the error itself to know what to do: the list shows it under the motivo. */
  readError?: true;
}

const CAUSES: Record<string, Cause> = {
  unmapped_plan: {
    reason: 'Plano sem cursos no mapa',
    retryHelps: false,
    todo: 'Cadastre o plano em Planos, escolhendo os cursos: a venda é reprocessada sozinha ao salvar.',
  },
  invalid_cpf: {
    reason: 'CPF inválido',
    retryHelps: false,
    todo: 'Confirme o CPF com o aluno, cadastre-o à mão no EAD e marque este evento como resolvido.',
  },
  cnpj_buyer: {
    reason: 'Compra com CNPJ',
    retryHelps: false,
    todo: 'Peça o CPF de quem vai estudar, cadastre-o à mão no EAD e marque este evento como resolvido.',
  },
  ambiguous_student: {
    reason: 'CPF repetido no EAD',
    retryHelps: true,
    todo: 'Deixe só um cadastro com este CPF no EAD e reprocesse.',
  },
  student_exists_not_found: {
    reason: 'EAD não acha o aluno',
    retryHelps: true,
    todo: 'O EAD diz que o CPF já está em uso, mas a busca não o encontra: localize o aluno no EAD e reprocesse.',
  },
  ead_unauthorized: {
    reason: 'EAD recusou a chave',
    retryHelps: true,
    todo: 'Um desenvolvedor deve conferir EAD_API_KEY na Render; depois reprocesse.',
  },
  ead_forbidden: { reason: 'EAD negou acesso', retryHelps: true, todo: 'Confira as permissões da chave da API no EAD; depois reprocesse.' },
  ead_base_url: {
    reason: 'Endereço do EAD errado',
    retryHelps: true,
    todo: 'Um desenvolvedor deve corrigir EAD_BASE_URL na Render; depois reprocesse.',
  },
  ead_unit: {
    reason: 'Unidade do EAD errada',
    retryHelps: true,
    todo: 'Um desenvolvedor deve corrigir EAD_UNIT_ID na Render; depois reprocesse.',
  },
  ead_refused: {
    reason: 'EAD recusou o pedido',
    retryHelps: true,
    readError: true,
    todo: 'Leia o erro abaixo; corrija no EAD o que ele aponta e reprocesse.',
  },
  chatpro_unauthorized: {
    reason: 'ChatPro recusou o token',
    retryHelps: true,
    todo: 'Um desenvolvedor deve conferir CHATPRO_TOKEN e CHATPRO_INSTANCE_ID; depois reprocesse (só as boas-vindas são enviadas).',
  },
  chatpro_disconnected: {
    reason: 'WhatsApp da escola desconectado',
    retryHelps: true,
    todo: 'Reconecte a instância no painel do ChatPro (QR code) e reprocesse.',
  },
  not_on_whatsapp: {
    reason: 'Celular sem WhatsApp',
    retryHelps: false,
    todo: 'Corrija o celular abaixo para reenviar as boas-vindas (ou reenvie por e-mail, se configurado), ou avise o aluno por outro canal e marque como resolvido.',
  },
  mail_rejected: {
    reason: 'E-mail do aluno recusado',
    retryHelps: false,
    todo: 'O servidor de e-mail diz que o endereço do aluno não existe ou não é válido: confirme o e-mail com o aluno, ou avise-o por outro canal (login = CPF; senha: "Esqueci minha senha" no portal) e marque como resolvido.',
  },
  mail_auth: {
    reason: 'Servidor de e-mail recusou o login',
    retryHelps: true,
    todo: 'Um desenvolvedor deve conferir o usuário e a senha do e-mail (SMTP_URL, ou SMTP_USER e SMTP_PASSWORD) na Render; depois reprocesse.',
  },
  mail_sender: {
    reason: 'Remetente do e-mail recusado',
    retryHelps: true,
    todo: 'Um desenvolvedor deve conferir MAIL_FROM: o servidor de e-mail só aceita como remetente um endereço da própria conta; depois reprocesse.',
  },
  mail_tls: {
    reason: 'E-mail sem conexão segura',
    retryHelps: true,
    todo: 'Um desenvolvedor deve conferir o servidor e a porta do e-mail (smtps:// na porta 465, smtp:// na 587); nada foi enviado. Depois reprocesse.',
  },
  mail_refused: {
    reason: 'Servidor de e-mail recusou a mensagem',
    retryHelps: true,
    todo: 'Leia o erro abaixo (filtro de spam, limite de envios da conta, modelo do e-mail); corrija e reprocesse.',
  },
  crash_loop: {
    reason: 'Processo caiu neste evento',
    retryHelps: true,
    todo: 'Um desenvolvedor deve olhar os logs deste evento antes de reprocessar.',
  },
  upstream_bad_json: {
    reason: 'Resposta absurda de um serviço',
    retryHelps: true,
    todo: 'Um serviço externo respondeu algo que não é uma resposta de verdade (JSON gigante ou aninhado demais): confira no erro qual foi e, passado o problema, reprocesse.',
  },
  ead_bad_answer: {
    reason: 'Resposta estranha do EAD',
    retryHelps: true,
    todo: 'O EAD confirmou o pedido, mas respondeu num formato inesperado (provável falha passageira dele). As tentativas seguem sozinhas; se continuar, avise o suporte do EAD e reprocesse quando ele corrigir.',
  },
  courses_unreadable: { reason: 'EAD não mostrou os cursos', retryHelps: true, todo: 'Reprocesse quando o EAD estiver respondendo.' },
  welcome_not_sent: {
    reason: 'Boas-vindas não enviadas',
    retryHelps: false,
    notice: true,
    todo: 'O aluno está matriculado, mas não recebeu o login por nenhum canal. Reenvie as boas-vindas abaixo, pelo WhatsApp com o celular corrigido ou por e-mail (se configurado) com o endereço corrigido, ou avise-o por outro canal (login = CPF; senha: "Esqueci minha senha" no portal) e marque como resolvido.',
  },
};

/** The cause of a sale done whose welcome did not go out. */
export const WELCOME_NOT_SENT = 'welcome_not_sent';

/** The codes of the notices (see `Cause.notice`). */
export const NOTICE_CODES: readonly string[] = Object.entries(CAUSES).flatMap(([code, cause]) => (cause.notice ? [code] : []));

/** Whether `code` is a notice on a done event (not a failure): see `Cause.notice`. */
export function isNotice(code: string | null | undefined): boolean {
  return Boolean(code && CAUSES[code]?.notice);
}

const UNAVAILABLE: Cause = {
  reason: 'Serviço fora do ar',
  retryHelps: true,
  todo: 'O serviço não respondeu em nenhuma das tentativas: confira se voltou e reprocesse.',
};
const UNKNOWN: Cause = {
  reason: 'Erro inesperado',
  retryHelps: true,
  readError: true,
  todo: 'Leia o erro abaixo; se persistir, chame um desenvolvedor.',
};

/** Codes of transient failures that mean "something was down" (besides HTTP 5xx, 408, 425, 429). */
const UNAVAILABLE_CODES = new Set(['network', 'timeout', 'ead_unit_token', 'mail_unavailable']);

/** The cause behind an error code (codes of transient failures all mean "something was down"). */
export function causeOf(code: string | null | undefined): Cause {
  if (!code) return UNKNOWN;
  if (CAUSES[code]) return CAUSES[code];
  if (/^http_(5\d\d|408|425|429)$/.test(code) || UNAVAILABLE_CODES.has(code)) return UNAVAILABLE;
  return UNKNOWN;
}

/** The causes support may filter the list by (code → reason), for the filter's options. */
export const KNOWN_CAUSES: ReadonlyArray<{ code: string; reason: string }> = Object.entries(CAUSES).map(([code, cause]) => ({
  code,
  reason: cause.reason,
}));
