import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { authRoutes } from './auth/auth.routes.js';
import { docsRoutes } from './docs/docs.routes.js';
import { docsUiRoutes } from './docs/docsUi.routes.js';
import type { AuthService } from './auth/auth.service.js';
import { healthRoutes, type HealthCheck } from './health/health.routes.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { requestContext } from './http/requestContext.js';
import { requestIdFor } from './http/requestId.js';
import { inlineScriptHashes, staticClient } from './http/staticClient.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics/metrics.js';
import { metricsRoutes } from './metrics/metrics.routes.js';

export interface AppDeps {
  log: Logger;
  trustProxy: boolean | number | string;
  clientDir: string;
  healthChecks: Record<string, HealthCheck>;
  metrics: Metrics;
  /** Counts the requests someone waits on, which upload data lets go first (RequestPriority.track). */
  trackInteractive: RequestHandler;
  /** `METRICS_TOKEN`: null leaves /metrics open. */
  metricsToken: string | null;
  /** True once the node is shutting down: readiness fails and connections are not kept alive. */
  draining: () => boolean;
  requireAuth: RequestHandler;
  auth: AuthService;
  /** Guards the open auth routes. */
  authRateLimit: RequestHandler;
  /** Counts every /api call (tus and downloads included) against RATE_LIMIT. */
  apiRateLimit: RequestHandler;
  /** Routers that authenticate themselves (tus, signed downloads); mounted before the JSON API. */
  streamingRoutes: Array<[path: string, router: Router | RequestHandler]>;
  /** Authenticated JSON API routers, mounted under /api behind `requireAuth`. */
  apiRoutes: Array<[path: string, router: Router]>;
  /** JSON routers open to anyone (a link's token is their credential), mounted under /api/public. */
  publicRoutes: Array<[path: string, router: Router]>;
}

/**
 * Paths that are credentials (a download link, a share's or a file request's link and their web
 * pages) and `access=` tokens never reach the log.
 */
export const withoutCredentials = (url: string) =>
  url
    .replace(/^\/(api\/downloads|api\/public\/shares|api\/public\/requests|s|r)\/[^/?]+/, '/$1/[redacted]')
    .replace(/([?&]access=)[^&]*/g, '$1[redacted]');

export function buildApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  app.use(deps.trackInteractive);
  app.use(deps.metrics.observeHttp);
  app.use(
    pinoHttp({
      logger: deps.log,
      genReqId: requestIdFor,
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: withoutCredentials(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(requestContext);
  app.use(
    helmet({
      // Self-hosted instances often run on plain HTTP inside a LAN, where upgrading requests would break them.
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'", ...inlineScriptHashes(deps.clientDir)],
          'img-src': ["'self'", 'data:', 'blob:'],
          'upgrade-insecure-requests': null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );

  // While draining, each response closes its connection, so a proxy's next request on it goes elsewhere.
  app.use((_req, res, next) => {
    if (deps.draining()) res.setHeader('Connection', 'close');
    next();
  });
  app.use(healthRoutes(deps.healthChecks, deps.draining));
  app.use(docsRoutes());
  app.use(docsUiRoutes());
  app.use(metricsRoutes(deps.metrics, deps.metricsToken));
  app.use('/api', deps.apiRateLimit);
  for (const [path, router] of deps.streamingRoutes) app.use(path, router);

  app.use('/api', express.json({ limit: '64kb' }));
  app.use('/api/auth', authRoutes(deps.auth, deps.requireAuth, deps.authRateLimit));
  for (const [path, router] of deps.publicRoutes) app.use(`/api/public${path}`, router);
  // Routers that share a path share one authentication: mounted apart, `GET /api/files` checked
  // its token and looked its session up once for each.
  const apiRouters = new Map<string, Router[]>();
  for (const [path, router] of deps.apiRoutes) apiRouters.set(path, [...(apiRouters.get(path) ?? []), router]);
  for (const [path, routers] of apiRouters) app.use(`/api${path}`, deps.requireAuth, ...routers);
  app.use('/api', notFoundHandler);

  app.use(staticClient(deps.clientDir));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
