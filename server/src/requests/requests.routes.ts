import { requestRoutes as routes } from '@dropline/contract';
import type { Router } from 'express';
import { currentUser } from '../auth/authenticate.js';
import type { OriginOf } from '../http/origin.js';
import { contractRouter } from '../http/route.js';
import type { RequestsService } from './requests.service.js';

/** `/api/requests`, behind requireAuth: the owner's side. */
export function requestsRoutes(requests: RequestsService, originOf: OriginOf): Router {
  return contractRouter('/api/requests')
    .on(routes.create, ({ body }, req) => requests.create(currentUser(req), body, originOf(req)))
    .on(routes.list, ({ query }, req) => requests.list(currentUser(req), query, originOf(req)))
    .on(routes.get, ({ params }, req) => requests.get(currentUser(req), params.id, originOf(req)))
    .on(routes.update, ({ params, body }, req) => requests.update(currentUser(req), params.id, body, originOf(req)))
    .on(routes.delete, ({ params }, req) => requests.delete(currentUser(req), params.id));
}

/** `/api/public/requests`: no account; the token in the path is the credential. */
export function publicRequestsRoutes(requests: RequestsService): Router {
  return contractRouter('/api/public/requests')
    .on(routes.publicGet, ({ params }) => requests.publicView(params.token))
    .on(routes.unlock, ({ params, body }) => requests.unlock(params.token, body.password));
}
