import { fileRoutes } from '@dropline/contract';
import type { Router } from 'express';
import { currentUser } from '../auth/authenticate.js';
import { contractRouter } from '../http/route.js';
import type { PlainUploads } from './plainUploads.js';

/** `POST /api/files` as multipart/form-data (behind requireAuth): an upload, so it is this domain's, though it shares the files path. */
export function plainUploadsRoutes(plainUploads: PlainUploads): Router {
  return contractRouter('/api/files').on(fileRoutes.upload, (_input, req) => plainUploads.receive(req, currentUser(req)));
}
