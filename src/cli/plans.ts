import { plansCommand } from './commands/plans.js';
import { runCli } from './io.js';

await runCli(plansCommand);
