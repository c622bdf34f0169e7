import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { parseBody } from '../http/validation.js';
import type { AuthService } from './auth.service.js';
import { parseDisplayName } from './accountFields.js';
import { currentUser } from './authenticate.js';

/** `PATCH /api/auth/me`: only the display name can change here; anything else is a 400. */
const UpdateMeBody = z.strictObject({ displayName: z.unknown().transform((value) => parseDisplayName(value)) });

/**
 * Register, login and refresh are open, so they are rate limited (password guessing, account
 * spam); logout and me sit behind `requireAuth`.
 */
export function authRoutes(auth: AuthService, requireAuth: RequestHandler, limit: RequestHandler): Router {
  const router = Router();
  router.post(['/register', '/login', '/refresh'], limit);
  router.post('/register', async (req, res) => {
    res.status(201).json(await auth.register(req.body?.email, req.body?.password));
  });
  router.post('/login', async (req, res) => {
    res.json(await auth.login(req.body?.email, req.body?.password));
  });
  router.post('/refresh', async (req, res) => {
    res.json(await auth.refresh(req.body?.refreshToken));
  });
  router.post('/logout', requireAuth, async (req, res) => {
    await auth.logout(currentUser(req).id, req.body?.refreshToken);
    res.status(204).end();
  });
  router.get('/me', requireAuth, async (req, res) => {
    res.json(await auth.me(currentUser(req).id));
  });
  router.patch('/me', requireAuth, async (req, res) => {
    res.json(await auth.updateMe(currentUser(req).id, parseBody(UpdateMeBody, req.body)));
  });
  return router;
}
