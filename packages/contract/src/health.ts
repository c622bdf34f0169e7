import { z } from 'zod';
import { defineRoute } from './route.js';

export const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
export const Readiness = z
  .object({
    status: z
      .enum(['ok', 'unavailable', 'draining'])
      .meta({ description: '`draining`: the node is shutting down (SIGTERM); it fails readiness whatever its dependencies say.' }),
    checks: z.record(z.string(), z.enum(['ok', 'unavailable'])).meta({ description: 'Each dependency (database, redis) and its state.' }),
  })
  .meta({ id: 'Readiness' });
export type Readiness = z.infer<typeof Readiness>;

export const healthRoutes = {
  live: defineRoute({
    method: 'get',
    path: '/healthz',
    tags: ['Operations'],
    summary: 'Liveness: 200 while the process serves',
    auth: 'none',
    responses: { 200: { description: 'Serving.', body: Health } },
  }),
  ready: defineRoute({
    method: 'get',
    path: '/readyz',
    tags: ['Operations'],
    summary: 'Readiness: whether the database (and Redis, when configured) answers and the node is not draining',
    auth: 'none',
    responses: {
      200: { description: 'Every dependency answers.', body: Readiness },
      503: { description: 'A dependency does not answer, or the node is draining.', body: Readiness },
    },
  }),
};
