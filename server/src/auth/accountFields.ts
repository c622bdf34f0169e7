import { badRequest } from '../http/errors.js';

/**
 * Characters no email address may hold: controls (NUL, newlines), format characters (zero-width
 * spaces and joiners, bidirectional overrides and isolates, the BOM), anything else Unicode says
 * renders as nothing, private-use, unassigned and lone surrogates. Each would let a second account
 * look exactly like someone else's.
 */
const INVISIBLE_IN_EMAIL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const MAX_EMAIL = 254;

/**
 * The one form an email is stored and compared in: spaces around it dropped, Unicode NFC, lower
 * case (then NFC again, as lower-casing can decompose, e.g. U+0130). Idempotent.
 */
export function canonicalEmail(email: string): string {
  return email.replace(/^ +| +$/g, '').normalize('NFC').toLowerCase().normalize('NFC');
}

/** A valid email in its canonical form, or the contract's 400 `invalid_email`. */
export function parseEmail(email: unknown): string {
  // The length check comes first so normalising never works on a huge string.
  if (typeof email !== 'string' || email.length > 4 * MAX_EMAIL || INVISIBLE_IN_EMAIL.test(email)) throw invalidEmail();
  const canonical = canonicalEmail(email);
  if (!isValidEmail(canonical)) throw invalidEmail();
  return canonical;
}

/** Whether an email already in canonical form has the shape of an address. */
export function isValidEmail(canonical: string): boolean {
  return canonical.length <= MAX_EMAIL && EMAIL.test(canonical);
}

/** For data stored before emails were checked (migration 004): the address with invisible characters taken out. */
export function withoutInvisible(email: string): string {
  return email.replace(new RegExp(INVISIBLE_IN_EMAIL.source, 'gu'), '');
}

const invalidEmail = () => badRequest('Please give a valid email address (without invisible or control characters).', 'invalid_email');

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
function displayNameProblem(name: string): string | null {
  const length = [...name].length;
  if (length < 1 || length > MAX_DISPLAY_NAME) return `The display name must be 1 to ${MAX_DISPLAY_NAME} characters long.`;
  if (FORBIDDEN_IN_NAME.test(name) || [...name].some((c) => DEFAULT_IGNORABLE.test(c) && !EMOJI_PARTS.test(c)) || !VISIBLE.test(name)) {
    return 'The display name may not contain control, invisible or text-direction characters.';
  }
  return null;
}

/** A display name as given by a person, trimmed, or the contract's 400 `invalid_display_name`. */
export function parseDisplayName(value: unknown): string {
  if (typeof value !== 'string' || value.length > 16 * MAX_DISPLAY_NAME) {
    throw badRequest(`The display name must be text of 1 to ${MAX_DISPLAY_NAME} characters.`, 'invalid_display_name');
  }
  const name = value.trim().normalize('NFC');
  const problem = displayNameProblem(name);
  if (problem) throw badRequest(problem, 'invalid_display_name');
  return name;
}

/** The contract's default: the part of the email before `@` (a valid email's always qualifies; `user` if not). */
export function defaultDisplayName(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at < 0 ? email : email.slice(0, at)).trim();
  return displayNameProblem(local) === null ? local : 'user';
}
