import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { AuthService } from './auth/auth.service.js';
import { authenticate } from './auth/authenticate.js';
import { SessionsRepository } from './auth/sessions.repository.js';
import { AccessTokens } from './auth/tokens.js';
import { UsersRepository } from './auth/users.repository.js';
import type { Config } from './config/config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { closeHttpServer } from './http/shutdown.js';
import { createLogger, type Logger } from './logger.js';

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Tests pass their own logger (to read lines) and parts; production uses the defaults. */
  log?: Logger;
}

/** The composition root: builds every part from the configuration and wires them together. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const database = openDatabase(config.databaseUrl);
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');

    const accessTokens = new AccessTokens(config.jwtSecret, config.accessTokenTtlMs);
    const auth = new AuthService(
      new UsersRepository(database.db),
      new SessionsRepository(database.db),
      accessTokens,
      config.refreshTokenTtlMs,
      log,
    );
    await auth.seed(config.seedUsers);

    const app = buildApp({
      log,
      trustProxy: config.trustProxy,
      clientDir: config.clientDir,
      healthChecks: { database: database.ping },
      requireAuth: authenticate(accessTokens),
      auth,
      streamingRoutes: [],
      apiRoutes: [],
    });

    const server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    closers.unshift(() => closeHttpServer(server, config.shutdownTimeoutMs));
    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    log.info({ url, database: database.kind }, 'Dropline is listening');

    return { server, url, port, close: () => runClosers(closers, log) };
  } catch (err) {
    await runClosers(closers, log);
    throw err;
  }
}

/** Closes parts in order (HTTP first, database last), carrying on past a part that fails. */
async function runClosers(closers: Array<() => Promise<void>>, log: Logger): Promise<void> {
  for (const close of closers.splice(0)) {
    try {
      await close();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
    }
  }
}
