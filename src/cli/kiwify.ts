import { kiwifyCommand } from './commands/kiwify.js';
import { runCli } from './io.js';

await runCli(kiwifyCommand);
