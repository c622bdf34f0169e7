import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { AdminRepository } from './admin/admin.repository.js';
import { adminRoutes } from './admin/admin.routes.js';
import { AdminService } from './admin/admin.service.js';
import { buildApp } from './app.js';
import { AuditLog } from './audit/auditLog.js';
import { AuthService } from './auth/auth.service.js';
import { Authenticator, authenticate, authenticateUploader, bearerUserId } from './auth/authenticate.js';
import { SessionsRepository } from './auth/sessions.repository.js';
import { AccessTokens } from './auth/tokens.js';
import { createCache } from './cache/createCache.js';
import { UsersRepository } from './auth/users.repository.js';
import type { Config } from './config/config.js';
import { configRoutes } from './config/config.routes.js';
import { DownloadLinks } from './files/downloadLinks.js';
import { FileCrc32s } from './files/fileCrc32.js';
import { downloadsRoutes } from './files/downloads.routes.js';
import { filesRoutes } from './files/files.routes.js';
import { FilesService } from './files/files.service.js';
import { AllowedFileTypes } from './files/fileTypes.js';
import { answerClientErrorsWithJson } from './http/clientErrors.js';
import { GuessThrottle, LoginThrottle, createLimiter, rateLimit, type RateLimitStore } from './http/rateLimit.js';
import { RequestPriority } from './http/priority.js';
import { closeHttpServer } from './http/shutdown.js';
import type { HealthCheck } from './health/health.routes.js';
import { jobsRoutes } from './jobs/jobs.routes.js';
import { JobsService } from './jobs/jobs.service.js';
import { ProcessingService, type FileProcessor } from './jobs/processing.service.js';
import { createLogger, type Logger } from './logger.js';
import { openCore, type Closers } from './core.js';
import { Metrics } from './metrics/metrics.js';
import { RequestAccess } from './requests/requestAccess.js';
import { RequestsRepository } from './requests/requests.repository.js';
import { publicRequestsRoutes, requestsRoutes } from './requests/requests.routes.js';
import { originFrom } from './http/origin.js';
import { RequestsService } from './requests/requests.service.js';
import { FileEvents } from './files/fileEvents.js';
import { attachRealtime, type Realtime } from './realtime/socketServer.js';
import { ShareAccessTokens } from './shares/shareAccess.js';
import { ShareEvents } from './shares/shareEvents.js';
import { publicSharesRoutes, sharesRoutes } from './shares/shares.routes.js';
import { SharesRepository } from './shares/shares.repository.js';
import { SharesService } from './shares/shares.service.js';
import { Concatenation } from './uploads/concatenation.js';
import { ContentHashes } from './uploads/contentHash.js';
import { IetfUploads } from './uploads/ietfDraft.js';
import { Ingest } from './uploads/ingest.js';
import { PlainUploads } from './uploads/plainUploads.js';
import { DrainableLocker } from './uploads/drainableLocker.js';
import { QuotaMeter } from './uploads/quotaMeter.js';
import { RedisLocker } from './uploads/redisLocker.js';
import { TUS_PATH, createTusServer, uploadUrl } from './uploads/tusServer.js';
import { UploadAdmission } from './uploads/uploadAdmission.js';
import { LocalLocker } from './uploads/uploadLocks.js';
import { UploadMaintenance } from './uploads/uploadMaintenance.js';
import { UploadsRepository } from './uploads/uploads.repository.js';
import { plainUploadsRoutes } from './uploads/plainUploads.routes.js';
import { uploadsRoutes } from './uploads/uploads.routes.js';
import { UploadStore } from './uploads/uploadStore.js';

export interface RunningServer {
  server: Server;
  /** The express app behind `server`: its routers are what the OpenAPI test checks against the document. */
  app: Express;
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServerOptions {
  /** Tests pass their own logger (to read lines) and parts; production uses the defaults. */
  log?: Logger;
  events?: FileEvents;
  processor?: FileProcessor;
}

/** Long enough to start a download by hand, short enough that a copied link soon dies. */
const DOWNLOAD_LINK_TTL_MS = 5 * 60_000;

/** Long enough to watch a video or resume a large download, short enough that a leaked token soon dies. */
const SHARE_ACCESS_TTL_MS = 60 * 60_000;

/** A connection silent this long is dead or a slowloris; tus clients resume from the stored offset. */
const IDLE_SOCKET_TIMEOUT_MS = 120_000;

/** Often enough that expired uploads don't linger, rarely enough to cost nothing. */
const sweepInterval = (expirationMs: number) => Math.min(Math.max(expirationMs / 2, 1000), 10 * 60_000);

/** The composition root: builds every part from the configuration and wires them together. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const closers: Closers = [];
  try {
    // Gauges read these parts at scrape time, once they exist; the metadata cache counts into it as it is built.
    const metrics = new Metrics({
      uploadsInProgress: () => uploads.countPending(),
      filesByStatus: () => filesRepository.countByStatus(),
      jobsByState: () => jobsRepository.countByState(),
    });
    const { database, redis, jobsRepository, queue, filesRepository, layout, storage } = await openCore(
      config,
      log,
      closers,
      'main',
      metrics.cacheCounters('files'),
    );

    const healthChecks: Record<string, HealthCheck> = { database: database.ping };
    if (redis) healthChecks.redis = async () => void (await redis.ping());
    const limits: RateLimitStore = { redis, prefix: config.redisPrefix };
    // The contract's throttle for shares and file requests alike: more than 10 wrong passwords a
    // minute for one of them get 429 (keys are `share:<id>` and `request:<id>`).
    const unlockGuesses = new GuessThrottle(limits, 'unlock', 10, 60);

    const audit = new AuditLog(database.db);
    const accessTokens = new AccessTokens(config.jwtSecret, config.accessTokenTtlMs);
    const downloadLinks = new DownloadLinks(config.jwtSecret, DOWNLOAD_LINK_TTL_MS);
    // Each account's role and state and each live session, read on every authenticated request.
    const accounts = createCache(config, redis, metrics.cacheCounters('accounts'));
    const users = new UsersRepository(database.db, accounts);
    const uploads = new UploadsRepository(database.db);
    const requests = new RequestsService(new RequestsRepository(database.db), uploads, new RequestAccess(config.jwtSecret), unlockGuesses, audit, {
      maxUploadSize: config.maxUploadSize,
      allowedFileTypes: config.allowedFileTypes,
    });
    const authenticator = new Authenticator(accessTokens, users, requests);
    const requireAuth = authenticate(authenticator);
    const sessions = new SessionsRepository(database.db, accounts);
    const auth = new AuthService(
      users,
      sessions,
      accessTokens,
      config.refreshTokenTtlMs,
      log,
      new LoginThrottle(limits),
      audit,
      config.defaultQuotaBytes,
    );
    await auth.seed(config.seedUsers);
    const events = options.events ?? new FileEvents();

    const hashes = new ContentHashes(uploads, storage.blobs, layout);
    const quotaMeter = new QuotaMeter(uploads, config.defaultQuotaBytes);
    const priority = new RequestPriority((seconds) => metrics.uploadDataHeld.inc(seconds));
    const store = new UploadStore(
      storage.uploads,
      hashes,
      uploads,
      (upload, offset) => quotaMeter.forWrite(upload, offset),
      () => priority.turn(),
    );
    const ingest = new Ingest(uploads, filesRepository, store, layout, queue, events, hashes, log, audit, config.defaultFileTtlMs);
    const files = new FilesService(filesRepository, store, storage.blobs, layout, queue, events, log, audit);
    const shareEvents = new ShareEvents();
    const shares = new SharesService(
      new SharesRepository(database.db),
      files,
      new ShareAccessTokens(config.jwtSecret, SHARE_ACCESS_TTL_MS),
      unlockGuesses,
      shareEvents,
      audit,
      new FileCrc32s(filesRepository, log),
    );
    const admission = new UploadAdmission(
      uploads,
      new AllowedFileTypes(config.allowedFileTypes),
      config.uploadExpirationMs,
      config.defaultQuotaBytes,
    );
    // With Redis, nodes sharing STORAGE_DIR also share upload locks; alone, in-process locks do.
    // Neither is tus' MemoryLocker, whose waiting grows memory without bound (see uploadLocks.ts).
    const redisLocker = redis ? new RedisLocker(redis, redis.duplicate(), { prefix: `${config.redisPrefix}:tus-lock:` }) : undefined;
    if (redisLocker) closers.unshift(() => redisLocker.close());
    const locker = new DrainableLocker(redisLocker ?? new LocalLocker());
    const tus = createTusServer({
      store,
      uploads,
      admission,
      ingest,
      maxUploadSize: config.maxUploadSize,
      locker,
      publicUrl: config.publicUrl,
      log,
    });
    const concatenation = new Concatenation(store, uploads, admission, ingest, locker, storage.blobs, layout, config.maxUploadSize, log);
    const uploadLimits = { maxUploadSize: config.maxUploadSize, maxChunkSize: config.maxChunkSize };
    const urlOf = (id: string) => uploadUrl(config.publicUrl, id);
    const ietf = new IetfUploads(store, uploads, admission, ingest, locker, uploadLimits, urlOf, log);
    const plainUploads = new PlainUploads(store, uploads, admission, ingest, config.maxUploadSize);

    if (config.runWorkers) {
      const processing = new ProcessingService(filesRepository, storage.blobs, layout, events, log, uploads, options.processor);
      await queue.start(async (job) => {
        const stop = metrics.jobDuration.startTimer();
        try {
          await processing.handle(job);
          stop({ outcome: 'completed' });
        } catch (err) {
          stop({ outcome: 'failed' });
          throw err;
        }
      });
    }
    // A deleted file's running job stops now instead of reading bytes that are gone.
    events.on('deleted', (file) => queue.abortFile(file.id));

    // Uploads that finished while the server was down become files before anyone asks for them.
    await concatenation.recover();
    const recovered = await ingest.recover();
    if (recovered > 0) log.info({ recovered }, 'finished uploads ingested at start');
    const maintenance = new UploadMaintenance(store, uploads, ingest, files, sweepInterval(config.uploadExpirationMs), log);
    maintenance.start();
    closers.unshift(() => maintenance.stop());

    let draining = false;
    // Sockets are attached once the HTTP server exists; admin actions reach them through this.
    let realtime: Realtime | undefined;
    const admin = new AdminService(
      new AdminRepository(database.db, accounts),
      audit,
      {
        endSessions: (userId) => sessions.revokeAllOf(userId, 'account_disabled'),
        disconnect: (userId) => realtime?.disconnectUser(userId),
      },
      {
        deleteAllOf: async (userId) => {
          await files.deleteAllOf(userId, null);
          await maintenance.discardAllOf(userId);
        },
      },
      config.defaultQuotaBytes,
    );

    const app = buildApp({
      log,
      draining: () => draining,
      trustProxy: config.trustProxy,
      clientDir: config.clientDir,
      healthChecks,
      metrics,
      trackInteractive: priority.track,
      metricsToken: config.metricsToken,
      requireAuth,
      auth,
      authRateLimit: rateLimit(createLimiter(limits, 'auth', config.authRateLimit, 60), 'auth', (req) => `ip:${req.ip}`),
      apiRateLimit: rateLimit(createLimiter(limits, 'api', config.rateLimit, 60), 'api', (req) => {
        // Upload data and resume checks never count: a large upload must not trip the limit.
        if ((req.method === 'PATCH' || req.method === 'HEAD') && req.originalUrl.startsWith(`${TUS_PATH}/`)) return null;
        const userId = bearerUserId(req.headers.authorization, accessTokens);
        return userId === null ? `ip:${req.ip}` : `user:${userId}`;
      }),
      streamingRoutes: [
        [TUS_PATH, uploadsRoutes({ tus, concatenation, ietf }, files, uploadLimits, urlOf, authenticateUploader(authenticator))],
        ['/api/downloads', downloadsRoutes(downloadLinks, authenticator, files)],
      ],
      apiRoutes: [
        ['/files', plainUploadsRoutes(plainUploads)],
        ['/files', filesRoutes(files, downloadLinks)],
        ['/config', configRoutes(config)],
        ['/jobs', jobsRoutes(new JobsService(jobsRepository, queue, files, audit))],
        ['/admin', adminRoutes(admin)],
        ['/shares', sharesRoutes(shares, originFrom(config.publicUrl))],
        ['/requests', requestsRoutes(requests, originFrom(config.publicUrl))],
      ],
      publicRoutes: [
        ['/shares', publicSharesRoutes(shares)],
        ['/requests', publicRequestsRoutes(requests)],
      ],
    });

    const server = createServer(app);
    // Node ends any request whose body takes over 5 minutes (requestTimeout): a single multi-GB
    // PATCH or form over an ordinary link would get 408 halfway. Bodies may take as long as they
    // need; a connection that stops moving is what gets closed, and headers still get 60 s.
    server.requestTimeout = 0;
    server.timeout = IDLE_SOCKET_TIMEOUT_MS;
    answerClientErrorsWithJson(server);
    const sockets = await attachRealtime(server, {
      auth: authenticator,
      announceUploads: config.announceUploads,
      events,
      shareEvents,
      log,
      redis: redis && { connection: redis, prefix: config.redisPrefix },
    });
    realtime = sockets;
    closers.unshift(async () => sockets.close());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    // Draining, in this order: readiness fails and the listener closes (a proxy sends new requests
    // elsewhere), sockets are told to reconnect (to another node), PATCHes stop at a consistent
    // offset and release their locks, and whatever is still running is cut at SHUTDOWN_TIMEOUT.
    closers.unshift(async () => {
      draining = true;
      const httpClosed = closeHttpServer(server, config.shutdownTimeoutMs);
      sockets.close();
      await locker.releaseAll();
      await httpClosed;
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    log.info({ url, database: database.kind }, 'Dropline is listening');

    return { server, app, url, port, close: () => runClosers(closers, log) };
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
