import { plansCommand } from './commands/plans-command.js';
import { runCli } from './cli-io.js';

await runCli(plansCommand);
