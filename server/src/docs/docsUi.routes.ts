import { docsRoutes as routes } from '@dropline/contract';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { contractRouter } from '../http/route.js';

// Beside the compiled code in dist/ too: the build copies src/docs/ui (see package.json).
const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

/**
 * `/docs`: Swagger UI of `/openapi.json`, from the swagger-ui-dist package (no CDN). Its scripts
 * are files under 'self', so it runs under the app's CSP unchanged.
 */
export function docsUiRoutes(): Router {
  const router = contractRouter('');
  router.use('/docs/assets', express.static(getAbsoluteFSPath(), { index: false, maxAge: '1d' }));
  router.use('/docs', express.static(UI_DIR, { index: false, redirect: false, maxAge: 0 }));
  return router.on(routes.ui, (_input, _req, res) => {
    res.set('Cache-Control', 'no-cache').sendFile('index.html', { root: UI_DIR });
  });
}
