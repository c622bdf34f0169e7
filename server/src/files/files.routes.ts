import { fileRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { currentUser } from '../auth/authenticate.js';
import { contractRouter } from '../http/route.js';
import { sendBytes, sendContent } from './content.js';
import type { DownloadLinks } from './downloadLinks.js';
import type { FilesService } from './files.service.js';

/** `/api/files`, behind requireAuth. The plain (multipart) upload on `POST /api/files` is the uploads domain's. */
export function filesRoutes(files: FilesService, links: DownloadLinks): Router {
  return contractRouter('/api/files')
    .on(routes.list, ({ query }, req) => files.list(currentUser(req), query))
    .on(routes.get, ({ params }, req) => files.get(currentUser(req), params.id))
    .on(routes.update, ({ params, body }, req) => files.update(currentUser(req), params.id, body))
    .on(routes.delete, ({ params }, req) => files.delete(currentUser(req), params.id))
    .on(routes.content, async ({ params }, req, res) => {
      const { file, bytes } = await files.content(currentUser(req), params.id);
      await sendContent(res, file, bytes);
    })
    .on(routes.thumbnail, async ({ params }, req, res) => {
      const bytes = await files.thumbnail(currentUser(req), params.id);
      await sendBytes(res, bytes, { 'Content-Type': 'image/webp', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'private, no-cache' });
    })
    .on(routes.downloadLink, async ({ params }, req) => {
      const user = currentUser(req);
      const file = await files.get(user, params.id);
      const { token, expiresAt } = links.sign(file.id, user.id);
      return { url: `/api/downloads/${token}`, expiresAt };
    })
    .on(routes.reprocess, ({ params }, req) => files.reprocess(currentUser(req), params.id));
}
