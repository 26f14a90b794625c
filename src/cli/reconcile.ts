import { reconcileCommand } from './commands/reconcile-command.js';
import { runCli } from './cli-io.js';

await runCli(reconcileCommand);
