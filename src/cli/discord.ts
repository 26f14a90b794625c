import { discordCommand } from './commands/discord-command.js';
import { runCli } from './cli-io.js';

await runCli(discordCommand);
