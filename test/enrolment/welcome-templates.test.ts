import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WELCOME_EMAIL_TEMPLATE, DEFAULT_WELCOME_WHATSAPP_TEMPLATE } from '../../src/config/config.js';
import type { WelcomeText } from '../../src/domain/messages.js';
import {
  compileWelcomeEmail,
  compileWelcomeWhatsapp,
  renderWelcomeEmail,
  renderWelcomeWhatsapp,
  type WelcomeTemplates,
} from '../../src/enrolment/welcome-templates.js';
import { loadWelcomeTemplates } from '../../src/enrolment/welcome-template-files.js';
import { tempDir } from '../helpers/config.js';

function defaults(): WelcomeTemplates {
  const { templates, problems } = loadWelcomeTemplates({
    email: DEFAULT_WELCOME_EMAIL_TEMPLATE,
    whatsapp: DEFAULT_WELCOME_WHATSAPP_TEMPLATE,
  });
  expect(problems).toEqual([]);
  return templates!;
}

const FULL = {
  schoolName: 'Escola Exemplo',
  portalUrl: 'https://portal.escola.example/login?origem=boas-vindas&x=1',
  androidAppUrl: 'https://play.google.com/store/apps/details?id=br.escola',
  iosAppUrl: 'https://apps.apple.com/br/app/escola/id123',
  supportWhatsapp: '(61) 99999-0000',
  supportEmail: 'suporte@escola.example',
};

const student = (over: Partial<WelcomeText> = {}): WelcomeText => ({
  firstName: 'Ana',
  planName: 'Inglês Fluente',
  login: '52998224725',
  password: 'Xk9-senha',
  settings: FULL,
  ...over,
});

/**
 * The WhatsApp welcome as the bridge built it in code before templates (src/domain/messages.ts
 * until issue 23), frozen here: the shipped template must keep rendering exactly this text.
 */
function welcomeMessage(w: WelcomeText): string {
  const s = w.settings;
  const lines = [
    `Olá, ${w.firstName || 'aluno(a)'}! 🎉`,
    '',
    `Sua matrícula no plano *${w.planName}* está confirmada.`,
    '',
    '🔐 *Seus dados de acesso*',
    `Login: ${w.login}`,
    w.password
      ? `Senha: ${w.password}`
      : w.passwordUnknown
        ? 'Senha: crie a sua em "Esqueci minha senha" no portal.'
        : 'Senha: a mesma que você já usa na plataforma (esqueceu? clique em "Esqueci minha senha" no portal).',
  ];
  const links = [
    s.portalUrl && `💻 Portal: ${s.portalUrl}`,
    s.androidAppUrl && `📱 App Android: ${s.androidAppUrl}`,
    s.iosAppUrl && `🍎 App iPhone: ${s.iosAppUrl}`,
    w.whatsappGroup && `👥 Grupo da turma no WhatsApp: ${w.whatsappGroup}`,
  ].filter(Boolean) as string[];
  if (links.length) lines.push('', ...links);
  if (s.supportWhatsapp) lines.push('', `Dúvidas? Fale com o suporte: ${s.supportWhatsapp}`);
  lines.push('', 'Bons estudos! 📚');
  if (s.schoolName) lines.push(`Equipe ${s.schoolName}`);
  return lines.join('\n');
}

/** Every shape the WhatsApp welcome took: password told, unknown or kept; each line set or not. */
function cases(): WelcomeText[] {
  const list: WelcomeText[] = [];
  const settings = [{}, FULL, { portalUrl: FULL.portalUrl }, { supportWhatsapp: FULL.supportWhatsapp }, { schoolName: 'Escola X' }];
  const passwords: Array<Partial<WelcomeText>> = [
    { password: 'abc123' },
    { password: undefined, passwordUnknown: true },
    { password: undefined },
    { password: '', passwordUnknown: false },
  ];
  for (const s of settings) {
    for (const p of passwords) {
      for (const whatsappGroup of [undefined, 'https://chat.whatsapp.com/AbCdEf']) {
        for (const firstName of ['Ana', '']) list.push({ ...student({ settings: s, whatsappGroup, firstName }), ...p });
      }
    }
  }
  return list;
}

describe('the WhatsApp welcome as a template', () => {
  it('the default template renders exactly the text the bridge always sent, in every case', () => {
    const { whatsapp } = defaults();
    const all = cases();
    expect(all.length).toBe(80);
    for (const w of all) expect(renderWelcomeWhatsapp(whatsapp, w)).toBe(welcomeMessage(w));
  });

  it('two cases spelled out (the text itself, should welcomeMessage go away)', () => {
    const { whatsapp } = defaults();
    expect(renderWelcomeWhatsapp(whatsapp, student({ settings: {}, password: undefined, passwordUnknown: true, firstName: '' }))).toBe(
      [
        'Olá, aluno(a)! 🎉',
        '',
        'Sua matrícula no plano *Inglês Fluente* está confirmada.',
        '',
        '🔐 *Seus dados de acesso*',
        'Login: 52998224725',
        'Senha: crie a sua em "Esqueci minha senha" no portal.',
        '',
        'Bons estudos! 📚',
      ].join('\n'),
    );
    expect(
      renderWelcomeWhatsapp(
        whatsapp,
        student({ settings: { portalUrl: 'https://p.example', supportWhatsapp: '(61) 9', schoolName: 'EX' }, whatsappGroup: 'https://g' }),
      ),
    ).toBe(
      [
        'Olá, Ana! 🎉',
        '',
        'Sua matrícula no plano *Inglês Fluente* está confirmada.',
        '',
        '🔐 *Seus dados de acesso*',
        'Login: 52998224725',
        'Senha: Xk9-senha',
        '',
        '💻 Portal: https://p.example',
        '👥 Grupo da turma no WhatsApp: https://g',
        '',
        'Dúvidas? Fale com o suporte: (61) 9',
        '',
        'Bons estudos! 📚',
        'Equipe EX',
      ].join('\n'),
    );
  });

  it("a school's own file changes the text (values as they are: WhatsApp is not HTML)", () => {
    const file = join(tempDir(), 'whatsapp.txt');
    writeFileSync(
      file,
      '# o nosso\n=== texto ===\nOi {{nome}} <3! Login {{login}}{{#senha}}, senha {{senha}}{{/senha}}{{#criar_senha}}.{{/criar_senha}}{{#senha_atual}}.{{/senha_atual}}\n',
    );
    const { templates, problems } = loadWelcomeTemplates({ email: DEFAULT_WELCOME_EMAIL_TEMPLATE, whatsapp: file });
    expect(problems).toEqual([]);
    expect(renderWelcomeWhatsapp(templates!.whatsapp, student({ firstName: 'Zé & <b>' }))).toBe(
      'Oi Zé & <b> <3! Login 52998224725, senha Xk9-senha',
    );
  });
});

describe('the e-mail welcome', () => {
  it('tells the school, login, password, links, the group and support, in both parts; the subject on one line', () => {
    const mail = renderWelcomeEmail(
      defaults().email,
      student({ whatsappGroup: 'https://chat.whatsapp.com/AbCdEf', planName: 'Inglês\nFluente' }),
    );
    expect(mail.subject).toBe('Ana, seu acesso ao plano Inglês Fluente · Escola Exemplo');
    for (const part of [mail.text, mail.html]) {
      for (const piece of [
        '52998224725',
        'Xk9-senha',
        'https://chat.whatsapp.com/AbCdEf',
        '(61) 99999-0000',
        'suporte@escola.example',
        'Equipe Escola Exemplo',
      ]) {
        expect(part).toContain(piece);
      }
    }
    expect(mail.text).toContain('Portal: https://portal.escola.example/login?origem=boas-vindas&x=1');
    expect(mail.html).toContain('href="https://portal.escola.example/login?origem=boas-vindas&amp;x=1"');
    expect(mail.html).toContain('href="mailto:suporte@escola.example"');
  });

  it('a password no longer kept says "Esqueci minha senha"; an existing student keeps theirs; no link, no empty list', () => {
    const { email } = defaults();
    const gone = renderWelcomeEmail(email, student({ password: undefined, passwordUnknown: true, settings: {} }));
    expect(gone.text).toContain('Senha: crie a sua em "Esqueci minha senha" no portal.');
    expect(gone.html).toContain('"Esqueci minha senha"');
    expect(gone.html).not.toContain('<ul');
    expect(gone.text).not.toMatch(/Portal|Dúvidas/);
    const kept = renderWelcomeEmail(email, student({ password: undefined }));
    expect(kept.text).toContain('Senha: a mesma que você já usa na plataforma');
  });

  it('buyer text is escaped in the HTML part (text and attributes), as is in the text part', () => {
    const { email } = defaults();
    const hostile = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' onmouseover='alert(1)", 'Ana & Bia `x`'];
    for (const name of hostile) {
      const mail = renderWelcomeEmail(email, student({ firstName: name, planName: name }));
      expect(mail.html).not.toContain(name);
      expect(mail.html).not.toMatch(/<script|<img/);
      expect(mail.text).toContain(`Olá, ${name}!`);
    }
    const group = renderWelcomeEmail(email, student({ whatsappGroup: 'https://x.example/"><script>alert(1)</script>' }));
    expect(group.html).toContain('href="https://x.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (name) => {
        const html = renderWelcomeEmail(email, student({ firstName: name, settings: {} })).html;
        const escaped = name.replace(
          /[&<>"'`]/g,
          (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39', '`': '#96' }[c]};`,
        );
        expect(html).toContain(`Olá, ${escaped || 'aluno(a)'}!</h1>`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a template file is checked at start-up', () => {
  const write = (content: string) => {
    const file = join(tempDir(), 'modelo.txt');
    writeFileSync(file, content);
    return file;
  };
  const emailProblems = (content: string) =>
    loadWelcomeTemplates({ email: write(content), whatsapp: DEFAULT_WELCOME_WHATSAPP_TEMPLATE }).problems.map((p) => p.message);
  const BODY = 'Login {{login}} {{#senha}}{{senha}}{{/senha}}{{#criar_senha}}x{{/criar_senha}}{{#senha_atual}}y{{/senha_atual}}';
  const file = (subject: string, text: string, html: string) =>
    `=== assunto ===\n${subject}\n=== texto ===\n${text}\n=== html ===\n${html}\n`;

  it('an unknown placeholder is named, with the file, part and line, and the list of the right ones', () => {
    const path = write(file('Oi', `${BODY}\n\nAté, {{nome_completo}}`, BODY));
    const { templates, problems } = loadWelcomeTemplates({ email: path, whatsapp: DEFAULT_WELCOME_WHATSAPP_TEMPLATE });
    expect(templates).toBeUndefined();
    expect(problems).toEqual([
      {
        variable: 'WELCOME_EMAIL_TEMPLATE',
        message: expect.stringContaining(
          `modelo ${path} (parte "texto", linha 6): marcador desconhecido {{nome_completo}}; os marcadores são: nome, plano`,
        ),
      },
    ]);
  });

  it('refuses what would lose the login or password, unescaped or unquoted values in HTML, partials, broken sections, missing parts', () => {
    expect(emailProblems(file('Oi', 'Olá {{nome}}', BODY))).toEqual([
      expect.stringContaining('falta o marcador {{login}}'),
      expect.stringContaining('falta o marcador {{senha}}'),
      expect.stringContaining('falta o marcador {{criar_senha}}'),
      expect.stringContaining('falta o marcador {{senha_atual}}'),
    ]);
    expect(emailProblems(file('Oi', BODY, `${BODY} {{{nome}}}`))).toEqual([
      expect.stringMatching(/parte "html", linha 6\): no HTML use \{\{nome\}\}/),
    ]);
    expect(emailProblems(file('Oi', BODY, `${BODY} <a href={{portal}}>`))).toEqual([expect.stringContaining('ponha o valor entre aspas')]);
    expect(emailProblems(file('Oi {{> outro}}', BODY, BODY))).toEqual([
      expect.stringContaining('{{> outro}} (incluir outro modelo) não é suportado'),
    ]);
    expect(emailProblems(file('Oi', `${BODY}\n{{#portal}}\nx`, BODY))).toEqual([
      expect.stringMatching(/linha 5\): a seção \{\{#portal\}\} não foi fechada com \{\{\/portal\}\}/),
    ]);
    expect(emailProblems(file('Oi\nsegunda linha', BODY, BODY))).toEqual([
      expect.stringContaining('o assunto deve ter exatamente uma linha'),
    ]);
    expect(emailProblems(`=== assunto ===\nOi\n=== texto ===\n${BODY}\n`)).toEqual([
      expect.stringContaining('falta a parte "=== html ==="'),
    ]);
    expect(emailProblems(`Olá\n${file('Oi', BODY, BODY)}`)).toEqual([expect.stringContaining('linha 1): texto antes da primeira parte')]);
    expect(emailProblems(`${file('Oi', BODY, BODY)}=== rodape ===\nx\n`)).toEqual([expect.stringContaining('parte desconhecida "rodape"')]);
  });

  it('an unreadable file names the variable and the fix', () => {
    const { problems } = loadWelcomeTemplates({ email: DEFAULT_WELCOME_EMAIL_TEMPLATE, whatsapp: '/nao/existe/whatsapp.txt' });
    expect(problems).toEqual([
      {
        variable: 'WELCOME_WHATSAPP_TEMPLATE',
        message:
          'não foi possível ler o modelo /nao/existe/whatsapp.txt (ENOENT): confira o caminho, ou apague WELCOME_WHATSAPP_TEMPLATE para usar o padrão',
      },
    ]);
  });

  it('the WhatsApp file has only a text part; the compilers agree with the loader', () => {
    expect(compileWelcomeWhatsapp(`=== texto ===\n${BODY}`).problems).toEqual([]);
    expect(compileWelcomeWhatsapp(`=== assunto ===\nOi\n=== texto ===\n${BODY}`).problems).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringContaining('parte desconhecida "assunto"') }),
    ]);
    expect(compileWelcomeEmail(file('Oi {{plano}}', BODY, BODY)).problems).toEqual([]);
  });
});
