import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'head' | 'options';

export interface ResponseDef {
  description: string;
  /** The JSON body. Omitted on an error status: errors always carry the contract's error body. */
  body?: z.ZodType;
  /** For bodies that are not JSON (file bytes, YAML, Prometheus text). */
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * One route of the public API, declared once: the server validates requests with it and answers
 * with its success status, the OpenAPI document is generated from it, and clients take their types
 * from it. `path` is the full path in OpenAPI form (`/api/files/{id}`).
 */
export interface RouteDef {
  method: HttpMethod;
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `bearer` (the default): an access token is required. `none`: open to anyone. */
  auth?: 'bearer' | 'none' | 'admin';
  params?: z.ZodObject;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The body's media type when it is not JSON (multipart uploads); such bodies are not parsed for the handler. */
  bodyContentType?: string;
  /** Headers a request may carry, documented (tus, conditional and Range requests). */
  headers?: Record<string, string>;
  responses: Record<number, ResponseDef>;
}

export const defineRoute = <const R extends RouteDef>(route: R): R => route;

type Parsed<S, Fallback> = S extends z.ZodType ? z.output<S> : Fallback;
export type RouteParams<R extends RouteDef> = Parsed<R['params'], Record<string, never>>;
export type RouteQuery<R extends RouteDef> = Parsed<R['query'], Record<string, never>>;
export type RouteBody<R extends RouteDef> = R['bodyContentType'] extends string ? undefined : Parsed<R['body'], undefined>;

type SuccessStatus<R extends RouteDef> = Extract<keyof R['responses'], 200 | 201 | 202 | 203 | 204 | 206>;
/** What a successful call answers with (what a handler returns, and what a client receives). */
export type RouteReply<R extends RouteDef> = R['responses'][SuccessStatus<R>] extends { body: infer B extends z.ZodType } ? z.input<B> : void;

/** The lowest 2xx status a route declares: what the server sends when the handler succeeds. */
export function successStatus(route: RouteDef): number {
  const ok = Object.keys(route.responses)
    .map(Number)
    .filter((s) => s >= 200 && s < 300)
    .sort((a, b) => a - b);
  if (ok[0] === undefined) throw new Error(`${route.method.toUpperCase()} ${route.path} declares no success response`);
  return ok[0];
}
