import { Router } from 'express';
import { currentUser, requireAdmin } from '../auth/authenticate.js';
import { parseAuditQuery, parseUserChanges, parseUsersQuery } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';

/** `/api/admin`, behind requireAuth; every route is for administrators only (403 otherwise). */
export function adminRoutes(admin: AdminService): Router {
  const router = Router();
  router.use(requireAdmin);
  router.get('/users', async (req, res) => {
    res.json(await admin.list(parseUsersQuery(req.query)));
  });
  router.patch('/users/:id', async (req, res) => {
    res.json(await admin.update(currentUser(req), req.params.id, parseUserChanges(req.body)));
  });
  router.delete('/users/:id', async (req, res) => {
    await admin.remove(currentUser(req), req.params.id);
    res.status(204).end();
  });
  router.get('/audit', async (req, res) => {
    res.json(await admin.auditTrail(parseAuditQuery(req.query)));
  });
  return router;
}
