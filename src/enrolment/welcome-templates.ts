import type { WelcomeText } from '../domain/messages.js';
import { compileTemplate, type Template, type TemplateView } from '../domain/mustache-templates.js';

/**
 * The welcome as templates the school can change with a file, for each channel: the e-mail
 * (subject, plain text, HTML) and the WhatsApp text. A template file is split in parts by lines
 * `=== assunto ===`, `=== texto ===`, `=== html ===`; lines starting with `#` before the first
 * part are comments. The defaults ship in src/templates/ (the WhatsApp one is the text the
 * bridge always sent).
 */

/** The channels a welcome goes by (WELCOME_CHANNELS): named with the journal's steps. */
export type { WelcomeChannel } from '../sales/steps.js';

/** What a welcome template may say, and what each placeholder holds. */
export const WELCOME_PLACEHOLDERS = [
  'nome', // the buyer's first name ("aluno(a)" when unknown)
  'plano', // the plan bought
  'login', // the login (the CPF)
  'senha', // the password, when the welcome tells it
  'criar_senha', // set: a new account whose password is gone (never received or wiped): "Esqueci minha senha"
  'senha_atual', // set: the student already had an account and keeps their password
  'senha_enviada', // set: bought together with another plan (an order bump) whose welcome told the password
  'plano_junto', // that other plan
  'escola', // SCHOOL_NAME
  'portal', // PORTAL_URL
  'app_android', // ANDROID_APP_URL
  'app_iphone', // IOS_APP_URL
  'grupo_whatsapp', // the plan's WhatsApp group
  'links', // set when any of portal, app_android, app_iphone, grupo_whatsapp is
  'suporte_whatsapp', // SUPPORT_WHATSAPP
  'suporte_email', // MAIL_REPLY_TO
  'suporte', // set when any support contact is
  'teste_ate', // a free trial: the day it ends ("06/12/2026")
] as const;

/** Every body must tell the login and each of the three password cases: a welcome that leaves one out loses a student's access. */
const REQUIRED = ['login', 'senha', 'criar_senha', 'senha_atual'];

export type WelcomePart = 'assunto' | 'texto' | 'html';

export interface WelcomeEmailTemplate {
  subject: Template;
  text: Template;
  html: Template;
}

export interface WelcomeTemplates {
  email: WelcomeEmailTemplate;
  whatsapp: Template;
}

export interface WelcomeTemplateProblem {
  part?: WelcomePart;
  /** 1-based line in the file. */
  line?: number;
  message: string;
}

const PART_NAMES: readonly WelcomePart[] = ['assunto', 'texto', 'html'];
const MARK = '===';

/** A line `=== name ===` (any spacing): the part's name; undefined for any other line. */
function markerName(line: string): string | undefined {
  const trimmed = line.trim();
  if (trimmed.length < 2 * MARK.length || !trimmed.startsWith(MARK) || !trimmed.endsWith(MARK)) return undefined;
  return trimmed.slice(MARK.length, -MARK.length).trim().toLowerCase();
}

/** Splits a template file into its parts, each with the line its text starts on. */
export function splitParts(
  source: string,
  expected: readonly WelcomePart[],
): { parts: Map<WelcomePart, { text: string; firstLine: number }>; problems: WelcomeTemplateProblem[] } {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const parts = new Map<WelcomePart, { text: string; firstLine: number }>();
  const problems: WelcomeTemplateProblem[] = [];
  let current: { name: WelcomePart; firstLine: number; lines: string[] } | undefined;
  // After a marker that was refused, its lines belong to no part (and are not "text before").
  let refused = false;
  const close = () => {
    if (current) parts.set(current.name, { text: current.lines.join('\n'), firstLine: current.firstLine });
  };
  lines.forEach((line, index) => {
    const name = markerName(line);
    if (name === undefined) {
      if (current) current.lines.push(line);
      else if (!refused && line.trim() !== '' && !line.startsWith('#')) {
        problems.push({ line: index + 1, message: `texto antes da primeira parte: comece com a linha "${MARK} ${expected[0]} ${MARK}"` });
      }
      return;
    }
    close();
    current = undefined;
    refused = true;
    if (!(PART_NAMES as readonly string[]).includes(name) || !expected.includes(name as WelcomePart)) {
      problems.push({ line: index + 1, message: `parte desconhecida "${name}": as partes deste modelo são ${expected.join(', ')}` });
    } else if (parts.has(name as WelcomePart)) {
      problems.push({ line: index + 1, message: `a parte "${name}" aparece duas vezes` });
    } else {
      current = { name: name as WelcomePart, firstLine: index + 2, lines: [] };
      refused = false;
    }
  });
  close();
  for (const name of expected) {
    if (!parts.has(name)) {
      problems.push({ part: name, message: `falta a parte "${MARK} ${name} ${MARK}"` });
    }
  }
  return { parts, problems };
}

/** Compiles the parts of a file; problems carry the part and the line in the file. */
function compileParts<P extends WelcomePart>(
  source: string,
  expected: readonly P[],
): { templates?: Record<P, Template>; problems: WelcomeTemplateProblem[] } {
  const { parts, problems } = splitParts(source, expected);
  const templates = {} as Record<P, Template>;
  for (const name of expected) {
    const part = parts.get(name);
    if (!part) continue;
    let text = part.text;
    if (name === 'assunto') {
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      if (lines.length !== 1) {
        problems.push({ part: name, line: part.firstLine, message: 'o assunto deve ter exatamente uma linha' });
        continue;
      }
      text = lines[0].trim();
    }
    const compiled = compileTemplate(text, {
      allowed: WELCOME_PLACEHOLDERS,
      required: name === 'assunto' ? [] : REQUIRED,
      html: name === 'html',
    });
    for (const problem of compiled.problems) {
      problems.push({
        part: name,
        line: problem.line === undefined ? undefined : part.firstLine + problem.line - 1,
        message: problem.message,
      });
    }
    if (compiled.template) templates[name] = compiled.template;
  }
  return problems.length > 0 ? { problems } : { templates, problems };
}

/** The e-mail welcome: a file with `assunto`, `texto` and `html`. */
export function compileWelcomeEmail(source: string): { template?: WelcomeEmailTemplate; problems: WelcomeTemplateProblem[] } {
  const { templates, problems } = compileParts(source, ['assunto', 'texto', 'html'] as const);
  return templates ? { template: { subject: templates.assunto, text: templates.texto, html: templates.html }, problems } : { problems };
}

/** The WhatsApp welcome: a file with `texto`. */
export function compileWelcomeWhatsapp(source: string): { template?: Template; problems: WelcomeTemplateProblem[] } {
  const { templates, problems } = compileParts(source, ['texto'] as const);
  return templates ? { template: templates.texto, problems } : { problems };
}

/** The values of the placeholders for one student (unset values are "", so sections vanish). */
export function welcomeView(w: WelcomeText): TemplateView {
  const s = w.settings;
  return {
    nome: w.firstName || 'aluno(a)',
    plano: w.planName,
    login: w.login,
    senha: w.password ?? '',
    // Bought together with another plan: the password is the one that plan's welcome told.
    criar_senha: !w.password && !w.passwordSentWith && w.passwordUnknown === true,
    senha_atual: !w.password && !w.passwordSentWith && w.passwordUnknown !== true,
    senha_enviada: !w.password && Boolean(w.passwordSentWith),
    plano_junto: w.passwordSentWith ?? '',
    escola: s.schoolName ?? '',
    portal: s.portalUrl ?? '',
    app_android: s.androidAppUrl ?? '',
    app_iphone: s.iosAppUrl ?? '',
    grupo_whatsapp: w.whatsappGroup ?? '',
    links: Boolean(s.portalUrl || s.androidAppUrl || s.iosAppUrl || w.whatsappGroup),
    suporte_whatsapp: s.supportWhatsapp ?? '',
    suporte_email: s.supportEmail ?? '',
    suporte: Boolean(s.supportWhatsapp || s.supportEmail),
    teste_ate: w.trialUntil ?? '',
  };
}

export interface WelcomeEmail {
  subject: string;
  text: string;
  html: string;
}

/** The e-mail welcome for one student: the subject on one line, both bodies. */
export function renderWelcomeEmail(template: WelcomeEmailTemplate, w: WelcomeText): WelcomeEmail {
  const view = welcomeView(w);
  return {
    subject: template.subject.render(view).replace(/\s+/g, ' ').trim(),
    text: template.text.render(view).trimEnd(),
    html: template.html.render(view).trimEnd(),
  };
}

/** The WhatsApp welcome for one student. */
export function renderWelcomeWhatsapp(template: Template, w: WelcomeText): string {
  return template.render(welcomeView(w)).trimEnd();
}
