import { discordCommand } from './commands/discord.js';
import { runCli } from './io.js';

await runCli(discordCommand);
