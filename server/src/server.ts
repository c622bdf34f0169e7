import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.js';
import { AuthService } from './auth/auth.service.js';
import { authenticate } from './auth/authenticate.js';
import { SessionsRepository } from './auth/sessions.repository.js';
import { AccessTokens } from './auth/tokens.js';
import { UsersRepository } from './auth/users.repository.js';
import type { Config } from './config/config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { connectRedis } from './db/redis.js';
import { closeHttpServer } from './http/shutdown.js';
import { BullmqQueue } from './jobs/bullmqQueue.js';
import { EmbeddedQueue, type QueueOptions } from './jobs/embeddedQueue.js';
import type { JobQueue } from './jobs/jobQueue.js';
import { JobsRepository } from './jobs/jobs.repository.js';
import { jobsRoutes } from './jobs/jobs.routes.js';
import { JobsService } from './jobs/jobs.service.js';
import { createLogger, type Logger } from './logger.js';
import { FileEvents } from './realtime/fileEvents.js';
import { attachRealtime } from './realtime/socketServer.js';
import type { HealthCheck } from './health/health.routes.js';

const OPENAPI_FILE = fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url));

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

    const healthChecks: Record<string, HealthCheck> = { database: database.ping };
    const redis = config.redisUrl ? connectRedis(config.redisUrl, 'main') : undefined;
    if (redis) {
      closers.unshift(async () => void redis.disconnect());
      healthChecks.redis = async () => void (await redis.ping());
    }

    const events = new FileEvents();
    const jobsRepository = new JobsRepository(database.db);
    const queueOptions: QueueOptions = {
      concurrency: config.workerConcurrency,
      maxAttempts: config.jobAttempts,
      backoffMs: config.jobBackoffMs,
      leaseMs: config.jobLeaseMs,
      log,
    };
    const queue: JobQueue = redis ? new BullmqQueue(jobsRepository, redis, queueOptions) : new EmbeddedQueue(jobsRepository, queueOptions);
    closers.unshift(() => queue.close());

    const app = buildApp({
      log,
      trustProxy: config.trustProxy,
      clientDir: config.clientDir,
      openApiFile: OPENAPI_FILE,
      healthChecks,
      requireAuth: authenticate(accessTokens),
      auth,
      streamingRoutes: [],
      apiRoutes: [['/jobs', jobsRoutes(new JobsService(jobsRepository, queue))]],
    });

    const server = createServer(app);
    const realtime = attachRealtime(server, { tokens: accessTokens, events, log, redis });
    closers.unshift(async () => realtime.close());
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

/** Closes parts front to back (each part is unshifted as it starts: HTTP first, database last), carrying on past a part that fails. */
async function runClosers(closers: Array<() => Promise<void>>, log: Logger): Promise<void> {
  for (const close of closers.splice(0)) {
    try {
      await close();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
    }
  }
}
