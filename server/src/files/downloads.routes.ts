import { fileRoutes } from '@dropline/contract';
import type { Router } from 'express';
import type { Authenticator } from '../auth/authenticate.js';
import { unauthorized } from '../http/errors.js';
import { contractRouter } from '../http/route.js';
import { sendContent } from './content.js';
import type { DownloadLinks } from './downloadLinks.js';
import type { FilesService } from './files.service.js';

/**
 * `GET /api/downloads/:token`: the link itself is the credential. It still answers only while its
 * user may act (the same check as every token's) and may see the file, through the same owner check as every other file route.
 */
export function downloadsRoutes(links: DownloadLinks, auth: Authenticator, files: FilesService): Router {
  return contractRouter('/api/downloads').on(fileRoutes.download, async ({ params }, _req, res) => {
    const { fileId, userId } = links.verify(params.token);
    const user = await auth.account(userId);
    if (!user) throw unauthorized('This download link is not valid or has expired.', 'invalid_download_link');
    const { file, bytes } = await files.content({ id: user.id, role: user.role }, fileId);
    await sendContent(res, file, bytes);
  });
}
