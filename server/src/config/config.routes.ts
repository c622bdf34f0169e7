import { configRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { contractRouter } from '../http/route.js';
import type { Config } from './config.js';

/** `GET /api/config`: the limits a client should check before it starts an upload. */
export function configRoutes(config: Config): Router {
  return contractRouter('/api/config').on(routes.get, () => ({
    maxUploadSize: config.maxUploadSize,
    allowedFileTypes: config.allowedFileTypes,
    uploadExpiration: Math.floor(config.uploadExpirationMs / 1000),
  }));
}
