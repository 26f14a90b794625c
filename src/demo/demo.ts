/**
 * npm run demo — the whole bridge on this machine, no credentials needed:
 * the server on a temporary SQLite file plus loopback fakes of EAD, ChatPro, an SMTP server,
 * CallMeBot, Kiwify's public API and Discord's REST API (an Ed25519 key pair made here stands in for the Discord
 * application's); a few signed sample sales; the story printed as it happens. Then it keeps serving (admin page and
 * token printed). `npm run demo -- --once` exits after the story, non-zero if anything went wrong.
 */
import { ORDER_APPROVED } from '../domain/event-types.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { createRuntime } from '../app/runtime.js';
import { startSandbox } from '../sandbox/sandbox.js';
import { demoDiscordEnv, demoDiscordKeys } from './demo-discord.js';
import { narrate } from './demo-story.js';
import { runScenarios } from './demo-scenarios.js';

const { values } = parseArgs({ options: { once: { type: 'boolean' }, port: { type: 'string' } } });
const once = Boolean(values.once);
const say = (line = '') => process.stdout.write(`${line}\n`);

// The SMTP server too: a welcome WhatsApp cannot take goes by e-mail (step 8).
const sandbox = await startSandbox({ mail: true });
const dataDir = mkdtempSync(join(tmpdir(), 'bridge-demo-'));
const adminToken = randomBytes(18).toString('base64url');
const webhookToken = 'demo-kiwify-token';
// The Discord application's key pair: Discord would keep the private key and sign with it.
const discordKeys = demoDiscordKeys();
const port = once ? '0' : (values.port ?? process.env.PORT ?? '3000');
const config = loadConfig({
  ...sandbox.env,
  ...sandbox.kiwifyApiEnv,
  ...demoDiscordEnv(discordKeys, sandbox.discordApiEnv),
  PORT: port,
  // Alerts link to the panel (a port chosen at random, with --once, has no address to give).
  PUBLIC_URL: once ? undefined : `http://127.0.0.1:${port}`,
  KIWIFY_WEBHOOK_TOKEN: webhookToken,
  SQLITE_PATH: join(dataDir, 'bridge.db'),
  ADMIN_TOKEN: adminToken,
  LOG_LEVEL: 'silent',
  SCHOOL_NAME: 'Escola Demonstração',
  PORTAL_URL: 'https://portal.exemplo.com.br',
  ANDROID_APP_URL: 'https://play.google.com/store/apps/details?id=br.exemplo.ead',
  SUPPORT_WHATSAPP: '(61) 99999-0000',
  MAIL_REPLY_TO: 'suporte@escola-demonstracao.example',
});
// The story in seconds, not production's pace: alerts every 0.3 s, retries after 1 s, deadlines of 5 s.
const runtime = await createRuntime(config, { tuning: { alertIntervalMs: 300, retryBaseMs: 1000, upstreamTimeoutMs: 5000, pollMs: 200 } });
/** The demo's database is temporary: gone when the demo ends. */
const cleanUp = async () => {
  await runtime.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });
};
try {
  await runtime.listen();
} catch (err) {
  say(`${(err as Error).message} Na demonstração: npm run demo -- --port 3001`);
  await cleanUp();
  process.exit(1);
}

say(
  'Ponte Kiwify → EAD — demonstração (tudo local: EAD, ChatPro, o servidor de e-mail, CallMeBot, a API da Kiwify e o Discord são simulados)',
);
say(`Servidor em ${runtime.url()} · banco SQLite temporário em ${config.storage.SQLITE_PATH}`);
narrate(sandbox, say);

const problems = await runScenarios({ runtime, sandbox, webhookToken, discordKeys, say });

say();
if (problems.length === 0) say('✅ História completa: tudo aconteceu como esperado.');
else {
  say(`❌ ${problems.length} problema(s):`);
  for (const p of problems) say(`   - ${p}`);
}

if (once) {
  await cleanUp();
  process.exit(problems.length === 0 ? 0 : 1);
}

say();
say(`Painel:  ${runtime.url()}/admin   (token: ${adminToken})`);
say(`API:     curl -H 'Authorization: Bearer ${adminToken}' ${runtime.url()}/admin/api/events`);
say(`Vivo?:   curl ${runtime.url()}/secure`);
say(`Mais vendas: npm run kiwify -- ${ORDER_APPROVED} --plan "Inglês Fluente" --url ${runtime.url()}/webhook --token ${webhookToken}`);
say(
  `Sem WhatsApp: npm run kiwify -- ${ORDER_APPROVED} --no-whatsapp --email aluna@example.com --url ${runtime.url()}/webhook --token ${webhookToken}`,
);
say(`Eventos: SQLITE_PATH=${config.storage.SQLITE_PATH} npm run events -- list   (noutro terminal, enquanto a demonstração roda)`);
say('Ctrl+C para sair (o banco temporário é apagado).');
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().then(() => process.exit(0));
  });
}
