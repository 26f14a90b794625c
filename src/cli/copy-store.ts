import { copyStoreCommand } from './commands/copy-store-command.js';
import { runCli } from './cli-io.js';

await runCli(copyStoreCommand);
