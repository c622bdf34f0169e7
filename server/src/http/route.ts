import { successStatus, type RouteBody, type RouteDef, type RouteParams, type RouteQuery, type RouteReply, type z } from '@dropline/contract';
import { Router, type Request, type Response } from 'express';
import { HttpError } from './errors.js';

export interface RouteInput<R extends RouteDef> {
  params: RouteParams<R>;
  query: RouteQuery<R>;
  body: RouteBody<R>;
}

/**
 * A handler gets the request's parts parsed by the route's schemas. What it returns is sent as
 * JSON with the route's success status. A route whose success has no body (204, 202) is answered
 * when the handler resolves; one that sends bytes (or picks its status) answers by itself and
 * returns nothing.
 */
export type RouteHandler<R extends RouteDef> = (
  input: RouteInput<R>,
  req: Request,
  res: Response,
) => Promise<RouteReply<R> | void> | RouteReply<R> | void;

export type ContractRouter = Router & { on<R extends RouteDef>(route: R, handler: RouteHandler<R>): ContractRouter };

/**
 * An express router for routes declared in `@dropline/contract`, mounted at `base` (the declared
 * paths are full paths, so the router strips its mount point). Each `on` validates params, query
 * and body before the handler runs: a failure is the contract's error body naming the field.
 */
export function contractRouter(base: string): ContractRouter {
  const router = Router() as ContractRouter;
  return Object.assign(router, {
    on<R extends RouteDef>(route: R, handler: RouteHandler<R>): ContractRouter {
      if (!route.path.startsWith(base)) throw new Error(`${route.path} is not under ${base}`);
      const path = route.path.slice(base.length).replace(/\{(\w+)\}/g, ':$1') || '/';
      const status = successStatus(route);
      // A success without a body (204, 202) is sent here; one with a body or bytes that the handler did not return, it sent itself.
      const bodiless = !route.responses[status]?.body && !route.responses[status]?.contentType;
      router[route.method](path, async (req, res) => {
        const input = {
          params: route.params ? validate(route.params, req.params, 'path') : {},
          query: route.query ? validate(route.query, req.query, 'query') : {},
          // No JSON body (or no Content-Type) reads as an empty object, so a missing field is named as such.
          body: route.body && !route.bodyContentType ? validate(route.body, req.body ?? {}, 'body') : undefined,
        } as RouteInput<R>;
        const reply = await handler(input, req, res);
        if (reply !== undefined) res.status(status).json(reply);
        else if (bodiless) res.status(status).end();
      });
      return router;
    },
  });
}

type Part = 'path' | 'query' | 'body';

/** Parses `value` with a contract schema, or throws the HttpError a route would answer (also for values from other doors, such as tus metadata). */
export function validate<S extends z.ZodType>(schema: S, value: unknown, part: Part): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw rejection(schema, result.error.issues[0]!, part, value);
}

/**
 * The first problem as an HttpError. Its code and status come from the nearest `rejectedAs` meta on
 * the failing field's path (else 400 `invalid_request`); a message the schema wrote for people (a
 * sentence, ending in a full stop) is kept, zod's own is prefixed with where the field is.
 */
export function rejection(schema: z.ZodType, issue: z.core.$ZodIssue, part: Part, value: unknown): HttpError {
  const meta = rejectionMetaAt(schema, issue.path, value);
  const field = issue.path.map(String).join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `These fields cannot be changed here: ${issue.keys.join(', ')}.`
      : issue.message.endsWith('.')
        ? issue.message
        : `${field === '' ? `The request ${part}` : `The ${part === 'path' ? 'path parameter' : part === 'query' ? 'query parameter' : 'field'} ${field}`} is not valid: ${issue.message}.`;
  const status = meta.status ?? 400;
  return new HttpError(status, meta.code ?? 'invalid_request', message, status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
}

interface Walkable {
  meta(): Record<string, unknown> | undefined;
  safeParse(value: unknown): { success: boolean; data?: unknown };
  _zod: { def: { innerType?: Walkable; in?: Walkable; out?: Walkable; shape?: Record<string, Walkable>; element?: Walkable } };
}

/**
 * Walks the schema along `path` through wrappers (optional, default) and pipes (into the side that
 * failed, found by parsing the value again), keeping the deepest rejection meta.
 */
function rejectionMetaAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): { code?: string; status?: number } {
  const found: { code?: string; status?: number } = {};
  let node: Walkable | undefined = schema as unknown as Walkable;
  let value = input;
  let depth = 0;
  while (node) {
    const meta = node.meta();
    if (typeof meta?.['x-error-code'] === 'string') {
      found.code = meta['x-error-code'];
      found.status = typeof meta['x-error-status'] === 'number' ? meta['x-error-status'] : undefined;
    }
    const def: Walkable['_zod']['def'] = node._zod.def;
    if (def.innerType) node = def.innerType;
    else if (def.in && def.out) {
      const first = def.in.safeParse(value);
      if (first.success) value = first.data;
      node = first.success ? def.out : def.in;
    } else if (depth < path.length && def.shape) {
      const key = String(path[depth++]);
      value = (value as Record<string, unknown> | undefined)?.[key];
      node = def.shape[key];
    } else if (depth < path.length && def.element) {
      value = (value as unknown[] | undefined)?.[Number(path[depth++])];
      node = def.element;
    } else node = undefined;
  }
  return found;
}
