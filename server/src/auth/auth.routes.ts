import { authRoutes as routes } from '@dropline/contract';
import type { RequestHandler, Router } from 'express';
import { contractRouter } from '../http/route.js';
import type { AuthService } from './auth.service.js';
import { currentUser } from './authenticate.js';

/**
 * Register, login and refresh are open, so they are rate limited (password guessing, account
 * spam); logout and me sit behind `requireAuth`.
 */
export function authRoutes(auth: AuthService, requireAuth: RequestHandler, limit: RequestHandler): Router {
  const router = contractRouter('/api/auth');
  router.post(['/register', '/login', '/refresh'], limit);
  router.post('/logout', requireAuth);
  router.all('/me', requireAuth);
  return router
    .on(routes.register, ({ body }) => auth.register(body.email, body.password))
    .on(routes.login, ({ body }) => auth.login(body.email, body.password))
    .on(routes.refresh, ({ body }) => auth.refresh(body.refreshToken))
    .on(routes.logout, ({ body }, req) => auth.logout(currentUser(req).id, body.refreshToken))
    .on(routes.me, (_input, req) => auth.me(currentUser(req).id))
    .on(routes.updateMe, ({ body }, req) => auth.updateMe(currentUser(req).id, body));
}
