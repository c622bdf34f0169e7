import type { RequestHandler } from 'express';
import { forbidden, unauthorized } from '../http/errors.js';
import type { AccessTokens, AuthUser, VerifiedToken } from './tokens.js';
import type { AccountState } from './users.repository.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: AuthUser;
    }
  }
}

/** Where the auth check learns an account's current role and whether it may act at all (cached). */
export interface AccountStates {
  state(userId: string): Promise<AccountState | null>;
}

/** Reads `Bearer <token>` from an Authorization header; used by the API, tus and Socket.IO alike. */
export function userFromAuthorization(header: string | undefined, tokens: AccessTokens): VerifiedToken {
  const match = header === undefined ? null : /^Bearer\s+([A-Za-z0-9._~+/=-]{1,4096})\s*$/i.exec(header);
  if (!match) throw unauthorized();
  return tokens.verify(match[1]!);
}

/** The user id of a request's valid bearer token, or null: what the rate limit counts a request against. */
export function bearerUserId(header: string | undefined, tokens: AccessTokens): string | null {
  try {
    return userFromAuthorization(header, tokens).id;
  } catch {
    return null;
  }
}

/**
 * The token's signature and expiry are not enough: a user deleted or disabled since it was issued
 * is refused like a tampered token, and the role is the account's current one, so a demotion
 * takes effect on the next request rather than when the token expires.
 */
export async function activeUser(token: VerifiedToken, accounts: AccountStates): Promise<VerifiedToken> {
  const state = await accounts.state(token.id);
  if (!state || state.disabled) throw unauthorized('The access token is not valid.', 'invalid_token');
  return { ...token, role: state.role };
}

export function authenticate(tokens: AccessTokens, accounts: AccountStates): RequestHandler {
  return async (req, _res, next) => {
    const { id, role } = await activeUser(userFromAuthorization(req.headers.authorization, tokens), accounts);
    req.user = { id, role };
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
