import { jobRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { currentUser, requireAdmin } from '../auth/authenticate.js';
import { contractRouter } from '../http/route.js';
import type { JobsService } from './jobs.service.js';

/** Admin only: every route sits behind `requireAdmin`. */
export function jobsRoutes(jobs: JobsService): Router {
  const router = contractRouter('/api/jobs');
  router.use(requireAdmin);
  return router
    .on(routes.list, ({ query }) => jobs.list(query))
    .on(routes.stats, async () => {
      const { queued, processing, completed, failed } = await jobs.stats();
      return { queued, processing, completed, failed };
    })
    .on(routes.get, ({ params }) => jobs.get(params.id))
    .on(routes.retry, ({ params }, req) => jobs.retry(currentUser(req), params.id))
    .on(routes.remove, ({ params }) => jobs.remove(params.id));
}
