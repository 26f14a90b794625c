import { kiwifyCommand } from './commands/kiwify-command.js';
import { runCli } from './cli-io.js';

await runCli(kiwifyCommand);
