import { z } from 'zod';
import { Id, rejectedAs } from './common.js';
import { defineRoute } from './route.js';

export const ROLES = ['user', 'admin'] as const;
export const Role = z.enum(ROLES).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

export const User = z
  .object({
    id: Id,
    email: z.string(),
    role: Role,
    displayName: z.string().meta({ description: 'What other people see; the email stays private to the user (and admins).' }),
  })
  .meta({ id: 'User' });
export type User = z.infer<typeof User>;

/**
 * Storage an account uses: its finished files (`bytes`, `files`) and what its unfinished uploads
 * have reserved (`reservedBytes`); the two together count against `quotaBytes`.
 */
export const Usage = z
  .object({
    bytes: z.number().int().meta({ description: 'Bytes of finished files.' }),
    files: z.number().int(),
    reservedBytes: z.number().int().meta({ description: 'Bytes the unfinished uploads have reserved (their declared length).' }),
    quotaBytes: z.number().int().nullable().meta({ description: 'null: no quota.' }),
  })
  .meta({ id: 'Usage' });
export type Usage = z.infer<typeof Usage>;

export const Me = User.extend({ usage: Usage }).meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Characters no email address may hold: controls (NUL, newlines), format characters (zero-width
 * spaces and joiners, bidirectional overrides and isolates, the BOM), anything else Unicode says
 * renders as nothing, private-use, unassigned and lone surrogates. Each would let a second account
 * look exactly like someone else's.
 */
export const INVISIBLE_IN_EMAIL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const MAX_EMAIL = 254;

/**
 * The one form an email is stored and compared in: spaces around it dropped, Unicode NFC, lower
 * case (then NFC again, as lower-casing can decompose, e.g. U+0130). Idempotent.
 */
export function canonicalEmail(email: string): string {
  return email
    .replace(/^ +| +$/g, '')
    .normalize('NFC')
    .toLowerCase()
    .normalize('NFC');
}

/** Whether an email already in canonical form has the shape of an address. */
export function isValidEmail(canonical: string): boolean {
  return canonical.length <= MAX_EMAIL && EMAIL.test(canonical);
}

/** For data stored before emails were checked: the address with invisible characters taken out. */
export function withoutInvisible(email: string): string {
  return email.replace(new RegExp(INVISIBLE_IN_EMAIL.source, 'gu'), '');
}

const invalidEmail = 'Please give a valid email address (without invisible or control characters).';

/** A valid email in its canonical form; else 400 `invalid_email`. */
export const Email = z
  .string({ error: invalidEmail })
  // The length check comes first so normalising never works on a huge string.
  .refine((email) => email.length <= 4 * MAX_EMAIL && !INVISIBLE_IN_EMAIL.test(email), { error: invalidEmail, abort: true })
  .transform(canonicalEmail)
  .refine(isValidEmail, { error: invalidEmail })
  .meta({ ...rejectedAs('invalid_email'), type: 'string', format: 'email', example: 'ada@example.com' });

export const MAX_DISPLAY_NAME = 64;

/**
 * Display names are what other people see, so none may hide text or reorder it: no controls, no
 * bidirectional controls, no invisible characters except the joiners and variation selectors that
 * emoji need; at least one letter, digit, punctuation mark or symbol.
 */
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Bidi_Control}]/u;
const DEFAULT_IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;
const EMOJI_PARTS = /[\u200d\ufe00-\ufe0f\u{e0020}-\u{e007f}]/u;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/** The reason a display name is refused, or null when it is fine. Takes the trimmed name. */
export function displayNameProblem(name: string): string | null {
  const length = [...name].length;
  if (length < 1 || length > MAX_DISPLAY_NAME) return `The display name must be 1 to ${MAX_DISPLAY_NAME} characters long.`;
  if (FORBIDDEN_IN_NAME.test(name) || [...name].some((c) => DEFAULT_IGNORABLE.test(c) && !EMOJI_PARTS.test(c)) || !VISIBLE.test(name)) {
    return 'The display name may not contain control, invisible or text-direction characters.';
  }
  return null;
}

/** The contract's default display name: the part of the email before `@` (a valid email's always qualifies; `user` if not). */
export function defaultDisplayName(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at < 0 ? email : email.slice(0, at)).trim();
  return displayNameProblem(local) === null ? local : 'user';
}

const notText = `The display name must be text of 1 to ${MAX_DISPLAY_NAME} characters.`;

/** A display name as given by a person, trimmed and NFC; else 400 `invalid_display_name`. */
export const DisplayName = z
  .string({ error: notText })
  .max(16 * MAX_DISPLAY_NAME, { error: notText })
  .transform((value) => value.trim().normalize('NFC'))
  .superRefine((name, ctx) => {
    const problem = displayNameProblem(name);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({ ...rejectedAs('invalid_display_name'), type: 'string', minLength: 1, maxLength: MAX_DISPLAY_NAME });

export const NewPassword = z
  .string({ error: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` })
  .min(MIN_PASSWORD_LENGTH, { error: `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.` })
  .max(MAX_PASSWORD_LENGTH, { error: `The password must be at most ${MAX_PASSWORD_LENGTH} characters long.` })
  .meta(rejectedAs('invalid_password'));

/** `PATCH /api/auth/me`: only the display name can change here; anything else is a 400. */
export const UpdateMeBody = z.strictObject({ displayName: DisplayName }).meta({ id: 'UpdateMeRequest' });

export const RegisterBody = z.object({ email: Email, password: NewPassword }).meta({ id: 'RegisterRequest' });

/** The email is compared in its canonical form; one that could never be registered is refused as at registration. */
export const LoginBody = z
  .object({
    email: z.string({ error: 'Please give an email and a password.' }).pipe(Email),
    password: z.string({ error: 'Please give an email and a password.' }).max(MAX_PASSWORD_LENGTH, { error: 'Please give an email and a password.' }),
  })
  .meta({ id: 'LoginRequest' });

/** Anything but a plausible token is the same 401 as an unknown one: no hint what a token looks like. */
export const RefreshBody = z
  .object({
    refreshToken: z
      .string({ error: 'The refresh token is not valid. Please sign in again.' })
      .min(1, { error: 'The refresh token is not valid. Please sign in again.' })
      .max(512, {
        error: 'The refresh token is not valid. Please sign in again.',
      }),
  })
  .meta({ id: 'RefreshRequest', ...rejectedAs('invalid_refresh_token', 401) });

/** Logging out never fails: a token that is not the caller's (or not a token) is ignored. */
export const LogoutBody = z
  .object({ refreshToken: z.string().max(512).optional().catch(undefined).meta({ type: 'string' }) })
  .meta({ id: 'LogoutRequest' });

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
    summary: 'The signed-in user and what their files take up',
    responses: { 200: { description: 'The user.', body: Me } },
  }),
  updateMe: defineRoute({
    method: 'patch',
    path: '/api/auth/me',
    tags: ['Accounts'],
    summary: 'Change your display name',
    body: UpdateMeBody,
    responses: {
      200: { description: 'The user, changed.', body: Me },
      400: { description: 'A bad display name (`invalid_display_name`) or another field (`invalid_request`).' },
    },
  }),
};
