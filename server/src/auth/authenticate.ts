import type { RequestHandler } from 'express';
import type { Role } from '../db/schema.js';
import { forbidden, unauthorized } from '../http/errors.js';
import type { RequestUploader, Uploader } from './ownership.js';
import type { AccessTokens, AuthUser, VerifiedToken } from './tokens.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The signed-in account; never set for a file request's link. */
      user?: AuthUser;
      /** On the upload endpoints: the account or the file request's link behind the request. */
      uploader?: Uploader;
    }
  }
}

/** What the gate needs to know about an account, on every request (so the lookup caches it). */
export interface AccountStanding {
  id: string;
  role: Role;
  /** 0 or 1 as stored (a portable boolean). */
  disabled: number;
}

export interface AccountLookup {
  /** The account, when it exists and (given a session id) that login session has not been ended. */
  standing(id: string, sessionId: string | null): Promise<AccountStanding | undefined>;
}

/**
 * Whether an account may act right now. Every way in (API, tus, Socket.IO, refresh, signed
 * downloads) asks this one question, so a new reason to refuse (a disabled account) is one more
 * condition here.
 */
export function mayActNow<T extends { disabled: boolean | number }>(account: T | undefined): account is T {
  return account !== undefined && !account.disabled;
}

/** The same answer as a tampered token: nobody learns whether the account was deleted or never was. */
const refused = () => unauthorized('The access token is not valid.', 'invalid_token');

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]{1,4096}=*) *$/i;
/** `Request <link token>`, or `Request <link token>:<access token>` once a password is unlocked. */
const REQUEST_LINK = /^Request +([A-Za-z0-9_-]{16,128})(?::([A-Za-z0-9._-]{1,4096}))? *$/i;

/**
 * What the gate needs to know about file requests' links (the requests domain answers). Throws
 * the 401 to send for a link that is unknown or deleted, or whose password has not been unlocked.
 */
export interface RequestLinks {
  resolve(token: string, accessToken: string | null): Promise<RequestUploader>;
}

/**
 * Checks an access token and then its account, on every request: a token outlives neither the
 * account it was issued to, nor its login session (logout, refresh-token reuse), nor that
 * account's role (a demoted admin stops being admin at once).
 */
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly accounts: AccountLookup,
    private readonly links: RequestLinks,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    const claims = this.tokens.verify(token);
    const account = await this.accounts.standing(claims.id, claims.sessionId);
    if (!mayActNow(account)) throw refused();
    return { id: account.id, role: account.role, expiresAt: claims.expiresAt, sessionId: claims.sessionId };
  }

  /** Reads `Bearer <token>` from an Authorization header; the API, tus and signed routes alike. */
  async fromAuthorization(header: string | undefined): Promise<VerifiedToken> {
    const match = header === undefined ? null : BEARER.exec(header);
    if (!match) throw unauthorized();
    return this.verify(match[1]!);
  }

  /**
   * The upload endpoints' credentials: a bearer token, or a file request's link. A link acts for
   * its request's owner, so it is refused like a tampered token once that account cannot act.
   */
  async uploaderFromAuthorization(header: string | undefined): Promise<Uploader> {
    const link = header === undefined ? null : REQUEST_LINK.exec(header);
    if (!link) {
      const { id, role } = await this.fromAuthorization(header);
      return { kind: 'account', user: { id, role } };
    }
    const request = await this.links.resolve(link[1]!, link[2] ?? null);
    if (!(await this.account(request.ownerId))) throw unauthorized('This file request link is not valid.', 'invalid_token');
    return { kind: 'request', request };
  }

  /** Gives an account whose id came from another signed credential (a download link) the same check. */
  async account(id: string): Promise<AccountStanding | undefined> {
    const account = await this.accounts.standing(id, null);
    return mayActNow(account) ? account : undefined;
  }
}

/** The user id of a request's validly signed bearer token, or null: what the rate limit counts a request against. */
export function bearerUserId(header: string | undefined, tokens: AccessTokens): string | null {
  const match = header === undefined ? null : BEARER.exec(header);
  if (!match) return null;
  try {
    return tokens.verify(match[1]!).id;
  } catch {
    return null;
  }
}

export function authenticate(auth: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    const { id, role } = await auth.fromAuthorization(req.headers.authorization);
    req.user = { id, role };
    next();
  };
}

/** The upload endpoints' gate: accounts and file requests' links alike (`req.user` is set for accounts only). */
export function authenticateUploader(auth: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    const uploader = await auth.uploaderFromAuthorization(req.headers.authorization);
    req.uploader = uploader;
    if (uploader.kind === 'account') req.user = uploader.user;
    next();
  };
}

/** For handlers that ran after `authenticateUploader`. */
export function currentUploader(req: Express.Request): Uploader {
  if (!req.uploader) throw unauthorized();
  return req.uploader;
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
