import { copyStoreCommand } from './commands/copy-store.js';
import { runCli } from './io.js';

await runCli(copyStoreCommand);
