import { adminRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { currentUser, requireAdmin } from '../auth/authenticate.js';
import { contractRouter } from '../http/route.js';
import { toAuditQuery, toUsersQuery } from './admin.schemas.js';
import type { AdminService } from './admin.service.js';

/** `/api/admin`, behind requireAuth; every route is for administrators only (403 otherwise). */
export function adminRoutes(admin: AdminService): Router {
  const router = contractRouter('/api/admin');
  router.use(requireAdmin);
  return router
    .on(routes.users, ({ query }) => admin.list(toUsersQuery(query)))
    .on(routes.updateUser, ({ params, body }, req) => admin.update(currentUser(req), params.id, body))
    .on(routes.removeUser, ({ params }, req) => admin.remove(currentUser(req), params.id))
    .on(routes.audit, ({ query }) => admin.auditTrail(toAuditQuery(query)));
}
