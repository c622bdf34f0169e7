import { timingSafeEqual } from 'node:crypto';
import { docsRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { unauthorized } from '../http/errors.js';
import { contractRouter } from '../http/route.js';
import type { Metrics } from './metrics.js';

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** `GET /metrics`: Prometheus text; with a token configured, only for `Authorization: Bearer <token>`. */
export function metricsRoutes(metrics: Metrics, token: string | null): Router {
  return contractRouter('').on(routes.metrics, async (_input, req, res) => {
    if (token !== null) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      if (given === undefined || !sameSecret(given, token)) throw unauthorized('The metrics token is missing or wrong.');
    }
    const text = await metrics.registry.metrics();
    res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(text);
  });
}
