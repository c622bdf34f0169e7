import { z } from 'zod';
import { Id, rejectedAs } from './common.js';
import { defineRoute } from './route.js';

export const ROLES = ['user', 'admin'] as const;
export const Role = z.enum(ROLES).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

export const User = z.object({ id: Id, email: z.string(), role: Role }).meta({ id: 'User' });
export type User = z.infer<typeof User>;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** A new account's email: trimmed and lower-cased, so it is compared the way it is stored. */
export const Email = z
  .string({ error: 'Please give a valid email address.' })
  .max(254, { error: 'Please give a valid email address.' })
  .trim()
  .regex(EMAIL, { error: 'Please give a valid email address.' })
  .toLowerCase()
  .meta({ ...rejectedAs('invalid_email'), example: 'ada@example.com' });

export const NewPassword = z
  .string({ error: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` })
  .min(MIN_PASSWORD_LENGTH, { error: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` })
  .max(MAX_PASSWORD_LENGTH, { error: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.` })
  .meta(rejectedAs('invalid_password'));

export const RegisterBody = z.object({ email: Email, password: NewPassword }).meta({ id: 'RegisterRequest' });

export const LoginBody = z
  .object({
    email: z.string({ error: 'Please give an email and a password.' }),
    password: z.string({ error: 'Please give an email and a password.' }).max(MAX_PASSWORD_LENGTH, { error: 'Please give an email and a password.' }),
  })
  .meta({ id: 'LoginRequest' });

/** Anything but a plausible token is the same 401 as an unknown one: no hint what a token looks like. */
export const RefreshBody = z
  .object({
    refreshToken: z.string({ error: 'The refresh token is not valid. Please sign in again.' }).min(1, { error: 'The refresh token is not valid. Please sign in again.' }).max(512, {
      error: 'The refresh token is not valid. Please sign in again.',
    }),
  })
  .meta({ id: 'RefreshRequest', ...rejectedAs('invalid_refresh_token', 401) });

/** Logging out never fails: a token that is not the caller's (or not a token) is ignored. */
export const LogoutBody = z.object({ refreshToken: z.string().max(512).optional().catch(undefined).meta({ type: 'string' }) }).meta({ id: 'LogoutRequest' });

export const TokenPair = z.object({ accessToken: z.string(), refreshToken: z.string() }).meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof TokenPair>;

export const AuthResponse = z.object({ user: User, accessToken: z.string(), refreshToken: z.string() }).meta({ id: 'AuthResponse' });
export type AuthResponse = z.infer<typeof AuthResponse>;

export const authRoutes = {
  register: defineRoute({
    method: 'post',
    path: '/api/auth/register',
    tags: ['Accounts'],
    summary: 'Create an account',
    auth: 'none',
    body: RegisterBody,
    responses: {
      201: { description: 'The account, signed in.', body: AuthResponse },
      400: { description: 'A bad email (`invalid_email`) or a password under 8 characters (`invalid_password`).' },
      409: { description: 'An account with this email exists (`email_taken`).' },
      429: { description: 'Too many attempts from this address.' },
    },
  }),
  login: defineRoute({
    method: 'post',
    path: '/api/auth/login',
    tags: ['Accounts'],
    summary: 'Sign in',
    auth: 'none',
    body: LoginBody,
    responses: {
      200: { description: 'Signed in.', body: AuthResponse },
      400: { description: 'No email or password given.' },
      401: { description: 'Unknown email or wrong password: the same answer for both (`invalid_credentials`).' },
      429: { description: 'Too many attempts from this address.' },
    },
  }),
  refresh: defineRoute({
    method: 'post',
    path: '/api/auth/refresh',
    tags: ['Accounts'],
    summary: 'Trade a refresh token for a new pair',
    description: 'The old refresh token is spent. Presenting a spent token again ends that whole login session.',
    auth: 'none',
    body: RefreshBody,
    responses: {
      200: { description: 'A new token pair.', body: TokenPair },
      401: { description: 'Not a valid refresh token (`invalid_refresh_token`), or a spent one (`refresh_token_reused`).' },
      429: { description: 'Too many attempts from this address.' },
    },
  }),
  logout: defineRoute({
    method: 'post',
    path: '/api/auth/logout',
    tags: ['Accounts'],
    summary: 'End the session of a refresh token',
    body: LogoutBody,
    responses: { 204: { description: 'Signed out (also when the token was unknown).' } },
  }),
  me: defineRoute({
    method: 'get',
    path: '/api/auth/me',
    tags: ['Accounts'],
    summary: 'The signed-in user',
    responses: { 200: { description: 'The user.', body: User } },
  }),
};
