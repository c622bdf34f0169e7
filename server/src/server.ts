import { mkdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { AuthService } from './auth/auth.service.js';
import { authenticate } from './auth/authenticate.js';
import { SessionsRepository } from './auth/sessions.repository.js';
import { AccessTokens } from './auth/tokens.js';
import { UsersRepository } from './auth/users.repository.js';
import type { Config } from './config/config.js';
import { configRoutes } from './config/config.routes.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { FilesRepository } from './files/files.repository.js';
import { filesRoutes } from './files/files.routes.js';
import { FilesService } from './files/files.service.js';
import { AllowedFileTypes } from './files/fileTypes.js';
import { closeHttpServer } from './http/shutdown.js';
import type { ProcessingScheduler } from './jobs/scheduler.js';
import { createLogger, type Logger } from './logger.js';
import { FileEvents } from './realtime/fileEvents.js';
import { StorageLayout } from './storage/storageLayout.js';
import { Ingest } from './uploads/ingest.js';
import { PlainUploads } from './uploads/plainUploads.js';
import { RedisLocker } from './uploads/redisLocker.js';
import { TUS_PATH, createTusServer } from './uploads/tusServer.js';
import { UploadAdmission } from './uploads/uploadAdmission.js';
import { UploadMaintenance } from './uploads/uploadMaintenance.js';
import { UploadsRepository } from './uploads/uploads.repository.js';
import { uploadsRoutes } from './uploads/uploads.routes.js';
import { UploadStore } from './uploads/uploadStore.js';

export interface RunningServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Tests pass their own logger (to read lines) and parts; production uses the defaults. */
  log?: Logger;
  events?: FileEvents;
  scheduler?: ProcessingScheduler;
}

/** Until the jobs issue wires real processing in, completed files simply stay `uploaded`. */
const noProcessing: ProcessingScheduler = { schedule: async () => {} };

/** Often enough that expired uploads don't linger, rarely enough to cost nothing. */
const sweepInterval = (expirationMs: number) => Math.min(Math.max(expirationMs / 2, 1000), 10 * 60_000);

/** The composition root: builds every part from the configuration and wires them together. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const database = openDatabase(config.databaseUrl);
  const closers: Array<() => Promise<void>> = [() => database.close()];
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');

    const accessTokens = new AccessTokens(config.jwtSecret, config.accessTokenTtlMs);
    const requireAuth = authenticate(accessTokens);
    const auth = new AuthService(
      new UsersRepository(database.db),
      new SessionsRepository(database.db),
      accessTokens,
      config.refreshTokenTtlMs,
      log,
    );
    await auth.seed(config.seedUsers);

    // Imported only when configured: ioredis alone costs a node that doesn't use it ~9 MB.
    const redis = config.redisUrl ? new (await import('ioredis')).Redis(config.redisUrl, { lazyConnect: true }) : null;
    if (redis) {
      await redis.connect();
      closers.unshift(async () => void (await redis.quit()));
    }
    const events = options.events ?? new FileEvents();
    // The jobs issue replaces this with the real processing queue.
    const scheduler = options.scheduler ?? noProcessing;

    const layout = new StorageLayout(config.storageDir);
    await mkdir(layout.uploadsDir, { recursive: true });
    const store = new UploadStore(layout, config.uploadExpirationMs);
    const uploads = new UploadsRepository(database.db);
    const filesRepository = new FilesRepository(database.db);
    const ingest = new Ingest(uploads, filesRepository, store, layout, scheduler, events, log);
    const files = new FilesService(filesRepository, store, layout, scheduler, events, log);
    const admission = new UploadAdmission(uploads, new AllowedFileTypes(config.allowedFileTypes), config.uploadExpirationMs);
    // With Redis, nodes sharing STORAGE_DIR also share upload locks; alone, tus' in-process locks do.
    const locker = redis ? new RedisLocker(redis, redis.duplicate()) : undefined;
    if (locker) closers.unshift(() => locker.close());
    const tus = createTusServer({
      store,
      uploads,
      admission,
      ingest,
      maxUploadSize: config.maxUploadSize,
      locker,
      respectForwardedHeaders: config.trustProxy !== false,
      log,
    });
    const plainUploads = new PlainUploads(store, uploads, admission, ingest, config.maxUploadSize);

    // Uploads that finished while the server was down become files before anyone asks for them.
    const recovered = await ingest.recover();
    if (recovered > 0) log.info({ recovered }, 'finished uploads ingested at start');
    const maintenance = new UploadMaintenance(store, uploads, ingest, sweepInterval(config.uploadExpirationMs), log);
    maintenance.start();
    closers.unshift(() => maintenance.stop());

    const app = buildApp({
      log,
      trustProxy: config.trustProxy,
      clientDir: config.clientDir,
      healthChecks: { database: database.ping, ...(redis ? { redis: async () => void (await redis.ping()) } : {}) },
      requireAuth,
      auth,
      streamingRoutes: [[TUS_PATH, uploadsRoutes(tus, files, requireAuth)]],
      apiRoutes: [
        ['/files', filesRoutes(files, plainUploads)],
        ['/config', configRoutes(config)],
      ],
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
