import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { tempDir, testEnv } from '../helpers/config.js';
import { createLogger } from '../../src/log/logger.js';
import { captureLogs } from '../helpers/logs.js';
import { tsProcess } from '../helpers/process.js';

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(testEnv(env));
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const FROM = 'Escola Exemplo <boasvindas@escola.example>';
const SECRET = 'app-password-s3cr3t';

describe('e-mail configuration', () => {
  it('defaults: WhatsApp welcome only, no SMTP server, the shipped templates', () => {
    const config = loadConfig(testEnv());
    expect(config.welcome.channels).toEqual(['whatsapp']);
    expect(config.mail.smtp).toBeUndefined();
    expect(config.welcome.templates.email.subject).toBeDefined();
    expect(config.welcome.templates.whatsapp).toBeDefined();
  });

  it('SMTP_URL with MAIL_FROM: the server, TLS as the scheme says, the channels in a fixed order', () => {
    const config = loadConfig(
      testEnv({
        SMTP_URL: `smtps://escola%40gmail.com:${SECRET}@smtp.gmail.com:465`,
        MAIL_FROM: FROM,
        WELCOME_CHANNELS: ' email , WhatsApp ',
      }),
    );
    expect(config.mail.smtp).toMatchObject({
      host: 'smtp.gmail.com',
      port: 465,
      tls: 'implicit',
      user: 'escola@gmail.com',
      password: SECRET,
    });
    expect(config.welcome.channels).toEqual(['whatsapp', 'email']);
    expect(config.mail.from).toBe(FROM);
    const parts = loadConfig(
      testEnv({
        SMTP_HOST: 'smtp-relay.brevo.com',
        SMTP_USER: 'u@escola.example',
        SMTP_PASSWORD: SECRET,
        MAIL_FROM: FROM,
        WELCOME_CHANNELS: 'email',
      }),
    );
    expect(parts.mail.smtp).toMatchObject({ host: 'smtp-relay.brevo.com', port: 587, tls: 'starttls' });
    expect(parts.welcome.channels).toEqual(['email']);
  });

  it('the password may go apart, in SMTP_PASSWORD, as it is (no percent-encoding), with the user in SMTP_URL', () => {
    const raw = 'Bq/+x@#%y';
    const config = loadConfig(
      testEnv({ SMTP_URL: 'smtp://AKIAEXAMPLE@email-smtp.sa-east-1.amazonaws.com:587', SMTP_PASSWORD: raw, MAIL_FROM: FROM }),
    );
    expect(config.mail.smtp).toMatchObject({ user: 'AKIAEXAMPLE', password: raw, tls: 'starttls' });
    expect(config.mail.smtp?.variables.credentials).toBe('o usuário de SMTP_URL e SMTP_PASSWORD');
    expect(problems({ SMTP_URL: `smtps://u:${SECRET}@smtp.gmail.com`, SMTP_PASSWORD: raw, MAIL_FROM: FROM })).toEqual([
      'SMTP_PASSWORD: a senha já está em SMTP_URL: deixe-a só em um dos dois',
    ]);
    expect(problems({ SMTP_URL: 'smtps://smtp.gmail.com', SMTP_PASSWORD: raw, MAIL_FROM: FROM })).toEqual([
      expect.stringMatching(/^SMTP_PASSWORD: SMTP_URL não tem usuário/),
    ]);
  });

  it('the SMTP password never reaches a log line, whether in SMTP_URL, SMTP_PASSWORD or the resolved settings', () => {
    const logs = captureLogs();
    const log = createLogger('info', logs.stream);
    const inUrlEnv = testEnv({ SMTP_URL: `smtps://u:${SECRET}@smtp.gmail.com`, MAIL_FROM: FROM });
    const apartEnv = testEnv({ SMTP_URL: 'smtps://u@smtp.gmail.com', SMTP_PASSWORD: SECRET, MAIL_FROM: FROM });
    const inUrl = loadConfig(inUrlEnv);
    const apart = loadConfig(apartEnv);
    log.info(
      { SMTP_URL: inUrlEnv.SMTP_URL, SMTP_PASSWORD: apartEnv.SMTP_PASSWORD, smtp: inUrl.mail.smtp, apart: apart.mail.smtp },
      'configuração',
    );
    expect(logs.text()).toContain('configuração');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('no host but loopback can be reached without TLS: smtp:// means STARTTLS required', () => {
    for (const url of [
      'smtp://u:p@mail.example.com:25',
      'smtp://u:p@10.0.0.5:587',
      'smtp://mail.example.com:2525',
      'smtp://u:p@[2001:db8::1]:587',
    ]) {
      expect(loadConfig(testEnv({ SMTP_URL: url, MAIL_FROM: FROM })).mail.smtp?.tls).toBe('starttls');
    }
    for (const port of ['25', '587', '2525']) {
      expect(loadConfig(testEnv({ SMTP_HOST: 'mail.example.com', SMTP_PORT: port, MAIL_FROM: FROM })).mail.smtp?.tls).toBe('starttls');
    }
    expect(loadConfig(testEnv({ SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM: FROM })).mail.smtp?.tls).toBe('none');
  });

  it('e-mail welcomes without a server, and a server without a sender, are named with the fix', () => {
    expect(problems({ WELCOME_CHANNELS: 'email' })).toEqual([
      'WELCOME_CHANNELS: boas-vindas por e-mail precisam de um servidor de e-mail: defina SMTP_URL (ou SMTP_HOST, SMTP_PORT, SMTP_USER e SMTP_PASSWORD) e MAIL_FROM',
    ]);
    expect(problems({ WELCOME_CHANNELS: 'whatsapp,sms' })).toEqual(['WELCOME_CHANNELS: use whatsapp, email, ou whatsapp,email (os dois)']);
    expect(problems({ SMTP_URL: 'smtps://u:p@smtp.gmail.com' })).toEqual([expect.stringMatching(/^MAIL_FROM: defina o remetente/)]);
    expect(problems({ MAIL_FROM: FROM, MAIL_REPLY_TO: 'suporte@escola.example' })).toEqual([
      expect.stringMatching(/^MAIL_FROM: não há servidor de e-mail: defina SMTP_URL/),
      expect.stringMatching(/^MAIL_REPLY_TO: não há servidor de e-mail/),
    ]);
    expect(problems({ SMTP_URL: 'smtps://u:p@smtp.gmail.com', MAIL_FROM: 'boasvindas' })).toEqual([
      expect.stringMatching(/^MAIL_FROM: use um endereço de e-mail/),
    ]);
  });

  it('SMTP_URL or the parts, user and password together, and URLs that would not work', () => {
    expect(problems({ SMTP_URL: 'smtps://u:p@smtp.gmail.com', SMTP_HOST: 'smtp.gmail.com', MAIL_FROM: FROM })).toEqual([
      'SMTP_HOST: use SMTP_URL ou SMTP_HOST, SMTP_PORT, SMTP_USER e SMTP_PASSWORD, não os dois',
    ]);
    expect(problems({ SMTP_HOST: 'smtp.gmail.com', SMTP_USER: 'u', MAIL_FROM: FROM })).toEqual([
      expect.stringMatching(/^SMTP_PASSWORD: defina SMTP_USER e SMTP_PASSWORD juntos/),
    ]);
    expect(problems({ SMTP_PORT: '465', MAIL_FROM: FROM })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SMTP_HOST: defina o servidor de e-mail \(ex\.: smtp\.gmail\.com\), ou apague SMTP_PORT/),
      ]),
    );
    const cases: Array<[string, RegExp]> = [
      ['http://smtp.gmail.com', /deve começar com smtps:\/\/ ou smtp:\/\//],
      ['smtp://u:p@smtp.gmail.com:465', /a porta 465 usa TLS desde o início: troque smtp:\/\/ por smtps:\/\//],
      ['smtps://u:p@smtp.gmail.com:587', /a porta 587 usa STARTTLS/],
      [`smtps://u:${SECRET}@smtp.gmail.com/x?y=1`, /sem caminho nem "\?"/],
      ['smtps://u@smtp.gmail.com', /falta a senha/],
      [`smtps://:${SECRET}@smtp.gmail.com`, /informe usuário e senha juntos/],
      [`smtps://u:${SECRET}%@smtp.gmail.com`, /mal codificados/],
      ['não é url', /endereço inválido/],
    ];
    for (const [url, message] of cases) {
      const found = problems({ SMTP_URL: url, MAIL_FROM: FROM });
      expect(found).toEqual([expect.stringMatching(new RegExp(`^SMTP_URL: .*${message.source}`))]);
      expect(found.join('\n')).not.toContain(SECRET);
    }
    expect(problems({ SMTP_HOST: 'smtps://smtp.gmail.com', MAIL_FROM: FROM })).toEqual([
      expect.stringMatching(/^SMTP_HOST: só o nome do servidor/),
    ]);
  });

  it('a template file with an unknown placeholder stops the server at start-up, naming the variable, the file and the placeholder', () => {
    const file = join(tempDir(), 'boas-vindas.txt');
    writeFileSync(file, '=== assunto ===\nOi {{nome_completo}}\n=== texto ===\n{{login}}\n=== html ===\n{{login}}\n');
    const run = tsProcess('src/server.ts');
    const result = spawnSync(process.execPath, run.args, {
      cwd: run.cwd,
      env: { PATH: process.env.PATH ?? '', ...testEnv({ PORT: '0', WELCOME_EMAIL_TEMPLATE: file }) },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Configuração inválida');
    expect(result.stderr).toContain(
      `WELCOME_EMAIL_TEMPLATE: modelo ${file} (parte "assunto", linha 2): marcador desconhecido {{nome_completo}}`,
    );
    expect(result.stderr).toContain('falta o marcador {{senha}}');
  });
});
