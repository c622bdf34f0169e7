import { Router } from 'express';
import type { Config } from './config.js';

/** `GET /api/config`: the limits a client should check before it starts an upload. */
export function configRoutes(config: Config): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({
      maxUploadSize: config.maxUploadSize,
      allowedFileTypes: config.allowedFileTypes,
      uploadExpiration: Math.floor(config.uploadExpirationMs / 1000),
    });
  });
  return router;
}
