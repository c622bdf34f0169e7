import { type Config, ConfigError, loadConfig } from './config/config.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const running = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`${signal} received: shutting down`);
    // Requests are cut at SHUTDOWN_TIMEOUT; this is the backstop should closing anything else hang.
    setTimeout(() => {
      console.error('shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000).unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('Dropline failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
