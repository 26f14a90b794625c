import { eventsCommand } from './commands/events-command.js';
import { runCli } from './cli-io.js';

await runCli(eventsCommand);
