import type { RequestHandler } from 'express';
import { forbidden, unauthorized } from '../http/errors.js';
import type { AccessTokens, AuthUser } from './tokens.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: AuthUser;
    }
  }
}

/** Reads `Bearer <token>` from an Authorization header; used by the API, tus and Socket.IO alike. */
export function userFromAuthorization(header: string | undefined, tokens: AccessTokens): AuthUser {
  const match = header === undefined ? null : /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})\s*$/i.exec(header);
  if (!match) throw unauthorized();
  const { id, role } = tokens.verify(match[1]!);
  return { id, role };
}

export function authenticate(tokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    req.user = userFromAuthorization(req.headers.authorization, tokens);
    next();
  };
}

/** For handlers that ran after `authenticate`: the user is always there, and typed as such. */
export function currentUser(req: Express.Request): AuthUser {
  if (!req.user) throw unauthorized();
  return req.user;
}

export const requireAdmin: RequestHandler = (req, _res, next) => {
  if (currentUser(req).role !== 'admin') throw forbidden('Only administrators can do this.');
  next();
};
