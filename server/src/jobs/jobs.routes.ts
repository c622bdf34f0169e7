import { Router } from 'express';
import { currentUser, requireAdmin } from '../auth/authenticate.js';
import type { JobsService } from './jobs.service.js';

/** Admin only: every route sits behind `requireAdmin`. */
export function jobsRoutes(jobs: JobsService): Router {
  const router = Router();
  router.use(requireAdmin);
  router.get('/', async (req, res) => {
    res.json(await jobs.list(req.query));
  });
  router.get('/stats', async (_req, res) => {
    const { queued, processing, completed, failed } = await jobs.stats();
    res.json({ queued, processing, completed, failed });
  });
  router.get('/:id', async (req, res) => {
    res.json(await jobs.get(req.params.id));
  });
  router.post('/:id/retry', async (req, res) => {
    res.status(202).json(await jobs.retry(currentUser(req), req.params.id));
  });
  router.delete('/:id', async (req, res) => {
    await jobs.remove(req.params.id);
    res.status(204).end();
  });
  return router;
}
