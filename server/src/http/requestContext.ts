import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';

/** Where a request came from: what the audit trail records beside each action. */
export interface RequestContext {
  ip: string | null;
  requestId: string | null;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Makes the request's address and id reachable from any code it runs, so services don't pass them
 * through every call just for the audit trail. Mounted after the request id is assigned.
 */
export const requestContext: RequestHandler = (req, _res, next) => {
  storage.run({ ip: req.ip ?? null, requestId: typeof req.id === 'string' ? req.id : req.id === undefined ? null : String(req.id) }, next);
};

/** The current request's context; null outside a request (timers, workers, start-up). */
export const currentRequestContext = (): RequestContext | null => storage.getStore() ?? null;
