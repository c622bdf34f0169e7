import { healthRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { contractRouter } from '../http/route.js';

/** Resolves when the dependency answers; rejects (or times out) when it doesn't. */
export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: HealthCheck): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

/** `draining`: the node is shutting down, so readiness fails whatever its dependencies say. */
export function healthRoutes(checks: Record<string, HealthCheck>, draining: () => boolean): Router {
  const router = contractRouter('');
  router.on(routes.live, () => ({ status: 'ok' as const }));
  router.on(routes.ready, async (_input, _req, res) => {
    const names = Object.keys(checks);
    const results = await Promise.allSettled(names.map((name) => withTimeout(checks[name]!)));
    const states = Object.fromEntries(names.map((name, i) => [name, results[i]!.status === 'fulfilled' ? 'ok' : 'unavailable']));
    const ready = results.every((r) => r.status === 'fulfilled');
    const status = draining() ? 'draining' : ready ? 'ok' : 'unavailable';
    res.status(status === 'ok' ? 200 : 503).json({ status, checks: states });
  });
  return router;
}
