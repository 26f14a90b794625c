import { eventsCommand } from './commands/events.js';
import { runCli } from './io.js';

await runCli(eventsCommand);
