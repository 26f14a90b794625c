import Mustache from 'mustache';

/**
 * Message templates a school can change with a file: Mustache's syntax (logic-less, one pass,
 * no code), limited to what a message needs and checked before use:
 * - `{{nome}}`: a value; in an HTML part always escaped (`{{{nome}}}` and `{{&nome}}` are refused
 *   there), in a text part as is;
 * - `{{#portal}}…{{/portal}}`: what is between shows only when the value is set (or true);
 *   `{{^senha}}…{{/senha}}` only when it is not. A line holding nothing but such a tag vanishes
 *   whole, so an unset value leaves no empty line;
 * - `{{! comentário }}`: dropped.
 * Anything else — an unknown name, partials (`{{> x}}`), new delimiters (`{{= =}}`) — is a
 * problem reported with its line, never a silently empty message.
 */

export type TemplateValue = string | boolean | undefined;
export type TemplateView = Readonly<Record<string, TemplateValue>>;

export interface TemplateProblem {
  /** 1-based line within the source given to compileTemplate (absent: the whole template). */
  line?: number;
  message: string;
}

export interface TemplateRules {
  /** The placeholders this template may use. */
  allowed: readonly string[];
  /** Placeholders it must use (the login and the password, which the student cannot get otherwise). */
  required?: readonly string[];
  /** An HTML part: every value escaped. */
  html?: boolean;
}

/** A checked template: renders in one pass over its tokens (linear in the template and the values). */
export class Template {
  constructor(
    private readonly source: string,
    private readonly html: boolean,
  ) {}

  render(view: TemplateView): string {
    return Mustache.render(this.source, view, {}, { escape: this.html ? escapeHtml : (value: string) => value });
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Safe in text and in a quoted attribute (the check below refuses unquoted ones); links stay readable. */
function escapeHtml(value: string): string {
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

const PARSE_ERRORS: Array<[RegExp, (name: string) => string]> = [
  [/^Unclosed section "([^"]*)"/, (name) => `a seção {{#${name}}} não foi fechada com {{/${name}}}`],
  [/^Unopened section "([^"]*)"/, (name) => `{{/${name}}} fecha uma seção que não foi aberta com {{#${name}}}`],
  [/^Unclosed tag/, () => 'há um {{ sem o }} que o fecha'],
];

/** Checks `source` against `rules`; the template, or every problem found. */
export function compileTemplate(source: string, rules: TemplateRules): { template?: Template; problems: TemplateProblem[] } {
  let tokens: Token[];
  try {
    tokens = Mustache.parse(source) as unknown as Token[];
  } catch (err) {
    return { problems: [parseProblem(source, err instanceof Error ? err.message : String(err))] };
  }
  const lineAt = lineFinder(source);
  const problems: TemplateProblem[] = [];
  const used = new Set<string>();
  const allowed = new Set(rules.allowed);
  let before = '';
  const visit = (list: Token[]): void => {
    for (const [type, name, start, , children] of list) {
      const line = lineAt(start);
      if (type === 'text') before = name;
      if (type === 'text' || type === '!') continue;
      if (rules.html && (type === 'name' || type === '&') && /=\s*$/.test(before.slice(-20))) {
        problems.push({ line, message: `ponha o valor entre aspas: ="{{${name}}}"` });
      }
      before = '';
      if (type === '>') problems.push({ line, message: `{{> ${name}}} (incluir outro modelo) não é suportado` });
      else if (type === '=') problems.push({ line, message: 'trocar os delimitadores ({{= =}}) não é suportado' });
      else if (!allowed.has(name)) {
        problems.push({ line, message: `marcador desconhecido {{${name}}}; os marcadores são: ${rules.allowed.join(', ')}` });
      } else {
        used.add(name);
        if (type === '&' && rules.html) {
          problems.push({ line, message: `no HTML use {{${name}}} (o valor é escapado); {{{${name}}}} e {{&${name}}} não são aceitos` });
        }
      }
      if ((type === '#' || type === '^') && Array.isArray(children)) visit(children);
    }
  };
  visit(tokens);
  for (const name of rules.required ?? []) {
    if (!used.has(name)) problems.push({ message: `falta o marcador {{${name}}}: sem ele o aluno não recebe o acesso completo` });
  }
  return problems.length > 0 ? { problems } : { template: new Template(source, rules.html ?? false), problems };
}

function parseProblem(source: string, message: string): TemplateProblem {
  const at = /at (\d+)$/.exec(message);
  let index = at ? Number(at[1]) : undefined;
  const unclosed = /^Unclosed section "([^"]*)"/.exec(message);
  if (unclosed) {
    // Mustache reports where it gave up (the end); the line where the section opened helps more.
    const opened = source.lastIndexOf(`{{#${unclosed[1]}}}`);
    if (opened !== -1) index = opened;
  }
  const line = index === undefined ? undefined : lineFinder(source)(index);
  for (const [pattern, explain] of PARSE_ERRORS) {
    const match = pattern.exec(message);
    if (match) return { line, message: explain(match[1] ?? '') };
  }
  return { line, message: `modelo inválido (${message})` };
}

/** The 1-based line of a character index of `source` (the line breaks found once, then a binary search). */
function lineFinder(source: string): (index: number) => number {
  const breaks: number[] = [];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) breaks.push(i);
  return (index) => {
    let low = 0;
    let high = breaks.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (breaks[mid] < index) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}
