/**
 * The plan map from the command line, straight on the store (works while the server is down):
 *
 *   npm run plans -- list
 *   npm run plans -- set "Nome do plano" 35,58 [--whatsapp https://chat.whatsapp.com/…] [--days 365]
 *                        [--plan-id ID] [--product-id ID]
 *   npm run plans -- remove "Nome do plano"
 *   npm run plans -- import arquivo.json
 *   npm run plans -- export > arquivo.json
 *
 * Course ids are checked against the EAD's catalog when EAD_API_KEY and EAD_UNIT_ID are set.
 */
import { parseArgs } from 'node:util';
import { EadClient } from '../../clients/ead.js';
import { UPSTREAM_TIMEOUT_MS } from '../../clients/upstream-http.js';
import { ConfigError, EXAMPLE_VALUES, loadConfig } from '../../config/config.js';
import { controlCharactersMessage, isCleanText } from '../../domain/clean-text.js';
import { PlanMapError } from '../../plans/plan-map.js';
import type { KiwifyIds } from '../../plans/plan-resolution.js';
import type { PlanOverviewReads, PlanSaveStore } from '../../plans/plan-admin.js';
import { systemClock } from '../../timing/clock.js';
import { CourseCatalog } from '../../plans/course-catalog.js';
import { exportPlans, importPlans, planOverview, removePlan, savePlan } from '../../plans/plan-admin.js';
import type { CliIo, Command } from '../cli-io.js';
import { openServerStore } from '../cli-store.js';

const VIA = 'pela linha de comando';

const USAGE = `Uso:
  npm run plans -- list
  npm run plans -- set "Nome do plano" 35,58 [--whatsapp https://chat.whatsapp.com/…] [--days 365]
                       [--plan-id ID] [--product-id ID]
  npm run plans -- remove "Nome do plano"
  npm run plans -- import arquivo.json
  npm run plans -- export`;

/**
 * The EAD's catalog when this shell can reach it; otherwise none: the plan map lives in the
 * database alone, so the ids are saved unchecked, and the command says so (and why).
 */
function catalogFor(io: CliIo): CourseCatalog {
  const none = (why: string) => new CourseCatalog({ unitCourses: () => Promise.reject(new Error(why)) }, systemClock);
  if (!io.env.EAD_API_KEY?.trim()) return none('EAD_API_KEY/EAD_UNIT_ID não definidos neste ambiente');
  if (io.env.EAD_API_KEY.trim() === EXAMPLE_VALUES.EAD_API_KEY) return none('EAD_API_KEY ainda tem o valor de exemplo neste ambiente');
  try {
    const { ead } = loadConfig(io.env, ['ead']);
    const client = new EadClient({ ...ead, timeoutMs: UPSTREAM_TIMEOUT_MS });
    return new CourseCatalog(client, systemClock);
  } catch (err) {
    // Incomplete or example EAD variables (a .env copied from .env.example): the map does not need them.
    if (!(err instanceof ConfigError)) throw err;
    return none(`variáveis do EAD incompletas neste ambiente: ${err.problems.join('; ')}`);
  }
}

async function list(store: PlanOverviewReads, { out }: CliIo): Promise<number> {
  const rows = await planOverview(store);
  if (rows.length === 0) out('Nenhum plano.');
  for (const r of rows) {
    const courses = r.plan ? r.plan.courses.join(',') : 'NÃO CADASTRADO';
    const parts = [
      `${r.name} → ${courses}`,
      `${r.sales} venda(s)`,
      r.waiting > 0 ? `${r.waiting} venda(s) aguardando` : '',
      r.plan?.accessDays ? `acesso por ${r.plan.accessDays} dias` : '',
      r.plan?.whatsappGroup ? `grupo ${r.plan.whatsappGroup}` : '',
      idsText(r.plan ?? r.seenIds ?? {}),
      r.kiwifyName ? `nome atual na Kiwify: "${r.kiwifyName}"` : '',
    ];
    out(parts.filter(Boolean).join(' · '));
  }
  return 0;
}

/** Kiwify's ids of a plan, as the list shows them. */
function idsText(ids: KiwifyIds): string {
  const parts = [
    ids.kiwifyPlanId ? `id do plano ${ids.kiwifyPlanId}` : '',
    ids.kiwifyProductId ? `id do produto ${ids.kiwifyProductId}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

async function set(store: PlanSaveStore, args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { whatsapp: { type: 'string' }, days: { type: 'string' }, 'plan-id': { type: 'string' }, 'product-id': { type: 'string' } },
  });
  const [name, ids] = positionals;
  if (!name || !ids || positionals.length > 2) {
    io.err(USAGE);
    return 2;
  }
  const catalog = catalogFor(io);
  const courses = ids
    .split(/[\s,;]+/)
    .filter(Boolean)
    .map((v) => (/^\d{1,9}$/.test(v) ? Number(v) : Number.NaN));
  const days = values.days?.trim();
  const input = {
    name,
    courses,
    whatsappGroup: values.whatsapp,
    accessDays: days ? (/^\d{1,9}$/.test(days) ? Number(days) : Number.NaN) : undefined,
    // Absent: the plan keeps the ids it has (learned from sales); "" clears them.
    kiwifyPlanId: values['plan-id'] === undefined ? undefined : values['plan-id'].trim() || null,
    kiwifyProductId: values['product-id'] === undefined ? undefined : values['product-id'].trim() || null,
  };
  const result = await savePlan(store, catalog, input, VIA);
  if (!result.ok) {
    for (const problem of result.problems) io.err(`Não salvo: ${problem}`);
    return 1;
  }
  if (result.unchecked) io.err(`Aviso: ${result.unchecked}`);
  const saved = result.plan;
  const extras = [saved.accessDays ? `acesso por ${saved.accessDays} dias` : '', idsText(saved)].filter(Boolean);
  io.out(`Plano "${saved.name}" salvo: cursos ${saved.courses.join(', ')}${extras.length > 0 ? `; ${extras.join('; ')}` : ''}.`);
  if (result.requeued > 0)
    io.out(`${result.requeued} venda(s) que aguardavam este plano voltaram para a fila (o servidor as processa em seguida).`);
  return 0;
}

async function run(store: PlanOverviewReads & PlanSaveStore, command: string, rest: string[], io: CliIo): Promise<number> {
  switch (command) {
    case 'list':
      return list(store, io);
    case 'set':
      return set(store, rest, io);
    case 'remove': {
      if (!isCleanText(rest[0])) {
        io.err(controlCharactersMessage('O nome do plano'));
        return 2;
      }
      if (!(await removePlan(store, rest[0], VIA))) {
        io.err(`Plano "${rest[0]}" não encontrado.`);
        return 1;
      }
      io.out(`Plano "${rest[0]}" removido.`);
      return 0;
    }
    case 'import': {
      const count = await importPlans(store, rest[0], `importado de ${rest[0]} ${VIA}`);
      io.out(`${count} plano(s) importados de ${rest[0]}: o mapa agora é o deste arquivo.`);
      return 0;
    }
    default:
      io.out((await exportPlans(store)).trimEnd());
      return 0;
  }
}

/** `npm run plans -- <list|set|remove|import|export> …` */
export const plansCommand: Command = async (argv, io) => {
  const [command, ...rest] = argv;
  const needsArg = command === 'remove' || command === 'import';
  if (!command || !['list', 'set', 'remove', 'import', 'export'].includes(command) || (needsArg && !rest[0])) {
    io.err(USAGE);
    return 2;
  }
  const store = await openServerStore(io);
  if (!store) return 2;
  try {
    return await run(store, command, rest, io);
  } catch (err) {
    if (!(err instanceof PlanMapError)) throw err;
    io.err(err.message);
    return 1;
  } finally {
    await store.close();
  }
};
