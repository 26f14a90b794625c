import { reconcileCommand } from './commands/reconcile.js';
import { runCli } from './io.js';

await runCli(reconcileCommand);
