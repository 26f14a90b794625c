/**
 * The Discord support console from the command line:
 *
 *   npm run discord -- register    # creates or updates the /ponte command in the school's server
 *
 * Reads the DISCORD_* variables like the server (.env included).
 */
import { DiscordApi } from '../../clients/discord-rest.js';
import { UPSTREAM_TIMEOUT_MS } from '../../clients/upstream-http.js';
import { ConfigError, loadConfig } from '../../config/config.js';
import { describeError } from '../../domain/errors.js';
import { GUILD_COMMANDS } from '../../discord-console/commands.js';
import type { CliIo, Command } from '../cli-io.js';

const USAGE = `Uso:
  npm run discord -- register    cadastra (ou atualiza) o comando /ponte no servidor da escola`;

const COMPARED_KEYS = ['type', 'name', 'description', 'required', 'min_value', 'max_value', 'min_length', 'max_length'] as const;

/** What of a command (or option) counts as a change: Discord adds ids, versions and defaults of its own. */
function comparable(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of COMPARED_KEYS) {
    const v = record[key];
    if (v !== undefined && v !== null && v !== false) out[key] = v;
  }
  if (out.type === undefined) out.type = 1; // a command's type defaults to CHAT_INPUT
  const options = Array.isArray(record.options) ? record.options.map(comparable) : [];
  if (options.length > 0) out.options = options;
  return out;
}

async function register(io: CliIo): Promise<number> {
  let config;
  try {
    config = loadConfig(io.env, ['discord']).discord;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(err.message);
    return 1;
  }
  if (!config.console) {
    io.err(
      'Defina DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY, DISCORD_BOT_TOKEN, DISCORD_GUILD_ID e DISCORD_SUPPORT_ROLE_ID (veja a seção Discord do README).',
    );
    return 1;
  }
  const { applicationId, botToken, guildId } = config.console;
  const api = new DiscordApi({ baseUrl: config.apiUrl, applicationId, botToken, timeoutMs: UPSTREAM_TIMEOUT_MS });
  try {
    const current = await api.guildCommands(guildId);
    const wanted = new Map(GUILD_COMMANDS.map((c) => [c.name, c]));
    const changes: string[] = [];
    for (const command of GUILD_COMMANDS) {
      const existing = current.find((c) => c.name === command.name);
      if (!existing) changes.push(`+ /${command.name}: criado`);
      else if (JSON.stringify(comparable(existing)) !== JSON.stringify(comparable(command))) {
        changes.push(`~ /${command.name}: atualizado (descrições ou opções mudaram)`);
      }
    }
    for (const command of current) if (!wanted.has(command.name)) changes.push(`- /${command.name}: removido (não é desta ponte)`);
    if (changes.length === 0) {
      io.out(`Nada mudou: /${GUILD_COMMANDS.map((c) => c.name).join(', /')} já está cadastrado no servidor ${guildId}.`);
      return 0;
    }
    await api.setGuildCommands(guildId, GUILD_COMMANDS);
    for (const line of changes) io.out(line);
    io.out(`Comandos cadastrados no servidor ${guildId}. Eles aparecem no Discord em instantes.`);
    return 0;
  } catch (err) {
    io.err(`Não foi possível cadastrar os comandos: ${describeError(err)}`);
    return 1;
  }
}

export const discordCommand: Command = async (argv, io) => {
  const [sub] = argv;
  if (sub === 'register') return register(io);
  io.err(USAGE);
  return 2;
};
