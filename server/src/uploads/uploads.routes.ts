import { Router, type RequestHandler } from 'express';
import type { Server } from '@tus/server';
import { TUS_RESUMABLE } from '@tus/utils';
import { currentUser } from '../auth/authenticate.js';
import { sendContent } from '../files/content.js';
import type { FilesService } from '../files/files.service.js';

/**
 * `/api/uploads/`: tus, behind the same bearer auth as the API (only CORS preflights go without).
 * A finished upload is a file, so GET and DELETE on its URL are the files API's download and delete.
 */
export function uploadsRoutes(tus: Server, files: FilesService, requireAuth: RequestHandler): Router {
  const router = Router();
  const handOver: RequestHandler = (req, res) => tus.handle(req, res);
  router.use((req, res, next) => (req.method === 'OPTIONS' ? next() : requireAuth(req, res, next)));
  // Registered before GET, which Express would otherwise also use for HEAD.
  router.head('/:id', handOver);
  router.get('/:id', async (req, res) => {
    const { file, path } = await files.content(currentUser(req), req.params.id);
    await sendContent(res, file, path);
  });
  router.delete('/:id', async (req, res, next) => {
    if (!(await files.exists(req.params.id))) return next();
    await files.delete(currentUser(req), req.params.id);
    res.set('Tus-Resumable', TUS_RESUMABLE).status(204).end();
  });
  router.use(handOver);
  return router;
}
