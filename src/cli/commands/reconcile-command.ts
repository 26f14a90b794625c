/**
 * Kiwify's API against the inbox and the EAD, from the command line (works while the server is down):
 *
 *   npm run reconcile -- --since 2026-01-01 [--until 2026-03-31] [--dry-run]
 *   npm run reconcile -- --audit --since 2026-01-01 [--until …] [--fix]
 *
 * Dates are days in São Paulo; without --until, up to now.
 *
 * Reads the storage and KIWIFY_* variables like the server (.env included); the audit also EAD_*.
 */
import { parseArgs } from 'node:util';
import { EadClient } from '../../clients/ead.js';
import type { KiwifyApi } from '../../clients/kiwify-api.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { UPSTREAM_TIMEOUT_MS } from '../../clients/upstream-http.js';
import { describeError } from '../../domain/errors.js';
import type { AuditStore } from '../../reconciliation/audit.js';
import type { WindowStore } from '../../reconciliation/reconcile-window.js';
import { auditWindow, FINDING_LABELS } from '../../reconciliation/audit.js';
import { reconcileWindow } from '../../reconciliation/reconcile-window.js';
import { DEFAULT_MAX_RECOVERED } from '../../reconciliation/reconciler.js';
import { systemClock } from '../../timing/clock.js';
import { kiwifyApiFromConfig } from '../../app/wiring.js';
import type { CliIo, Command } from '../cli-io.js';
import { openServerStore } from '../cli-store.js';

const USAGE = `Uso:
  npm run reconcile -- --since AAAA-MM-DD [--until AAAA-MM-DD] [--dry-run]
  npm run reconcile -- --audit --since AAAA-MM-DD [--until AAAA-MM-DD] [--fix]
  npm run reconcile -- --resume   (retoma a conciliação automática pausada no limite de uma rodada)`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A day of São Paulo (Kiwify's time): its first instant, or its last for `--until`. Brazil keeps
 * UTC-3 all year since 2019. The windows asked of Kiwify are the reconciler's (`chunks`).
 */
function parseDay(value: string | undefined, end: boolean): number | undefined {
  if (!value || !DATE.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00-03:00`);
  return Number.isNaN(ms) ? undefined : ms + (end ? 24 * 60 * 60 * 1000 - 1 : 0);
}

const line = (label: string, value: number | string) => `  ${label.padEnd(38)} ${value}`;

async function backfill(
  store: WindowStore,
  api: KiwifyApi,
  window: { createdFrom: number; createdTo: number },
  dryRun: boolean,
  { out }: CliIo,
) {
  const report = await reconcileWindow(store, api, window, { dryRun });
  out(dryRun ? 'Simulação (--dry-run): nada foi enfileirado.' : 'Conciliação concluída.');
  out(line('Vendas na API da Kiwify', report.found));
  out(line('Já na caixa de entrada', report.already));
  out(line(dryRun ? 'Seriam enfileiradas (o webhook não chegou)' : 'Enfileiradas (o webhook não chegou)', report.queued));
  for (const [status, n] of Object.entries(report.ignoredByStatus)) out(line(`Ignoradas: status ${status}`, n));
  for (const [reason, n] of Object.entries(report.invalid)) out(line(`Recusadas: ${reason}`, n));
  if (report.detailsFailed > 0) out(line('Sem detalhes da assinatura (plano = produto)', report.detailsFailed));
  if (report.queuedIds.length > 0)
    out(`Eventos: ${report.queuedIds.map((id) => `#${id}`).join(', ')} (o servidor os processa na próxima verificação).`);
  return 0;
}

async function audit(store: AuditStore, api: KiwifyApi, window: { createdFrom: number; createdTo: number }, fix: boolean, io: CliIo) {
  let ead: EadClient;
  try {
    ead = new EadClient({ ...loadConfig(io.env, ['ead']).ead, timeoutMs: UPSTREAM_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  const { checked, rows } = await auditWindow(store, api, ead, window, { fix });
  io.out(`Auditoria: ${checked} venda(s) paga(s), reembolsada(s) ou contestada(s) conferida(s) no EAD; ${rows.length} divergência(s).`);
  for (const r of rows) {
    const courses = r.courses.length > 0 ? ` cursos ${r.courses.join(',')}` : '';
    io.out(
      `  ${r.orderRef.padEnd(10)} ${r.status.padEnd(11)} ${FINDING_LABELS[r.finding].padEnd(24)} CPF ${r.cpf.padEnd(12)} ${r.plan}${courses}${r.fix ? ` → ${r.fix}` : ''}`,
    );
  }
  if (!fix && rows.some((r) => r.fix?.includes('--fix'))) io.out('Nada foi alterado. Para enfileirar as correções, repita com --fix.');
  return 0;
}

/** Lets the automatic reconciliation go on after a run stopped at its bound. */
async function resume(io: CliIo): Promise<number> {
  const store = await openServerStore(io);
  if (!store) return 2;
  try {
    const held = await store.reconciliation.resume(DEFAULT_MAX_RECOVERED);
    io.out(
      held
        ? 'Conciliação automática retomada: a próxima rodada (em até 15 minutos) continua de onde a última parou.'
        : 'A conciliação automática não estava pausada: nada a fazer.',
    );
    return 0;
  } finally {
    await store.close();
  }
}

/** `npm run reconcile -- …` */
export const reconcileCommand: Command = async (argv, io) => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        'dry-run': { type: 'boolean' },
        audit: { type: 'boolean' },
        fix: { type: 'boolean' },
        resume: { type: 'boolean' },
      },
    }));
  } catch {
    io.err(USAGE);
    return 2;
  }
  if (values.resume) return resume(io);
  const createdFrom = parseDay(values.since, false);
  const createdTo = values.until ? parseDay(values.until, true) : Date.now();
  if (createdFrom === undefined || createdTo === undefined || createdTo < createdFrom) {
    io.err(`Informe as datas como AAAA-MM-DD (--since antes de --until).\n${USAGE}`);
    return 2;
  }
  let api: KiwifyApi | undefined;
  try {
    api = kiwifyApiFromConfig(loadConfig(io.env, ['kiwifyApi']).kiwifyApi, systemClock);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 2;
  }
  if (!api) {
    io.err('Defina KIWIFY_CLIENT_ID, KIWIFY_CLIENT_SECRET e KIWIFY_ACCOUNT_ID (Kiwify → Apps → API → "Criar chave de API").');
    return 2;
  }
  const store = await openServerStore(io);
  if (!store) return 2;
  try {
    const window = { createdFrom, createdTo };
    return values.audit
      ? await audit(store, api, window, values.fix === true, io)
      : await backfill(store, api, window, values['dry-run'] === true, io);
  } catch (err) {
    io.err(`A conciliação falhou: ${describeError(err)}`);
    return 1;
  } finally {
    await store.close();
  }
};
