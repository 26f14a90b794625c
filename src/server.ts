import 'dotenv/config';
import { ConfigError, loadConfig } from './config/config.js';
import { serve } from './app/serve.js';

/** Reads the configuration and serves (app/serve.ts: listens, stops cleanly). Nothing else. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  await serve(config);
}

main().catch((err) => {
  console.error('Falha ao iniciar:', err instanceof Error ? err.message : err);
  process.exit(1);
});
