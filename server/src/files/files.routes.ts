import { Router } from 'express';
import { currentUser } from '../auth/authenticate.js';
import type { PlainUploads } from '../uploads/plainUploads.js';
import { sendContent } from './content.js';
import type { DownloadLinks } from './downloadLinks.js';
import type { FilesService } from './files.service.js';
import { parseListQuery } from './listQuery.js';

/** `/api/files`, behind requireAuth. */
export function filesRoutes(files: FilesService, plainUploads: PlainUploads, links: DownloadLinks): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await files.list(currentUser(req), parseListQuery(req.query)));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await plainUploads.receive(req, res, currentUser(req)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await files.get(currentUser(req), req.params.id));
  });
  router.patch('/:id', async (req, res) => {
    res.json(await files.update(currentUser(req), req.params.id, req.body));
  });
  router.delete('/:id', async (req, res) => {
    await files.delete(currentUser(req), req.params.id);
    res.status(204).end();
  });
  router.get('/:id/content', async (req, res) => {
    const { file, path } = await files.content(currentUser(req), req.params.id);
    await sendContent(res, file, path);
  });
  router.get('/:id/thumbnail', async (req, res) => {
    const path = await files.thumbnail(currentUser(req), req.params.id);
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-cache' }).type('image/webp').sendFile(path);
  });
  router.post('/:id/download-link', async (req, res) => {
    const user = currentUser(req);
    const file = await files.get(user, req.params.id);
    const { token, expiresAt } = links.sign(file.id, user.id);
    res.json({ url: `/api/downloads/${token}`, expiresAt });
  });
  router.post('/:id/reprocess', async (req, res) => {
    await files.reprocess(currentUser(req), req.params.id);
    res.status(202).end();
  });
  return router;
}
