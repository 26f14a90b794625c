import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileWelcomeEmail, compileWelcomeWhatsapp, type WelcomeTemplateProblem, type WelcomeTemplates } from './welcome-templates.js';

/** The files the welcome templates are read from (WELCOME_EMAIL_TEMPLATE, WELCOME_WHATSAPP_TEMPLATE). */
export interface WelcomeTemplateFiles {
  email: string;
  whatsapp: string;
}

/** A problem with one of the files, for a start-up message naming the variable. */
export interface TemplateFileProblem {
  variable: 'WELCOME_EMAIL_TEMPLATE' | 'WELCOME_WHATSAPP_TEMPLATE';
  message: string;
}

/** Larger than any message needs; a wrong path pointing at a big file fails fast. */
const MAX_TEMPLATE_BYTES = 256 * 1024;

/**
 * Reads and checks both welcome templates (read once, at start-up). Every problem names the
 * file, the part and line, what is wrong and how to fix it, in Portuguese.
 */
export function loadWelcomeTemplates(files: WelcomeTemplateFiles): { templates?: WelcomeTemplates; problems: TemplateFileProblem[] } {
  const email = loadOne('WELCOME_EMAIL_TEMPLATE', files.email, compileWelcomeEmail);
  const whatsapp = loadOne('WELCOME_WHATSAPP_TEMPLATE', files.whatsapp, compileWelcomeWhatsapp);
  const problems = [...email.problems, ...whatsapp.problems];
  return email.template && whatsapp.template && problems.length === 0
    ? { templates: { email: email.template, whatsapp: whatsapp.template }, problems }
    : { problems };
}

function loadOne<T>(
  variable: TemplateFileProblem['variable'],
  file: string,
  compile: (source: string) => { template?: T; problems: WelcomeTemplateProblem[] },
): { template?: T; problems: TemplateFileProblem[] } {
  const path = resolve(file);
  let source: string;
  try {
    if (statSync(path).size > MAX_TEMPLATE_BYTES) {
      return { problems: [{ variable, message: `o modelo ${path} passa de ${MAX_TEMPLATE_BYTES / 1024} KB: confira o caminho` }] };
    }
    source = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'erro';
    return {
      problems: [
        {
          variable,
          message: `não foi possível ler o modelo ${path} (${code}): confira o caminho, ou apague ${variable} para usar o padrão`,
        },
      ],
    };
  }
  const { template, problems } = compile(source);
  return {
    template,
    problems: problems.map((p) => {
      const where = [p.part && `parte "${p.part}"`, p.line !== undefined && `linha ${p.line}`].filter(Boolean).join(', ');
      return { variable, message: `modelo ${path}${where ? ` (${where})` : ''}: ${p.message}` };
    }),
  };
}
