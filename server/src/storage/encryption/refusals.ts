import { HttpError } from '../../http/errors.js';

/*
 * Why stored bytes are not served. Each is the server's problem, not the client's request (hence
 * 500), but each says plainly what is wrong, and none lets a byte of garbage out: a key that does
 * not fit is found before the first byte, and every chunk's tag is checked before it is sent.
 */

/** The bytes are encrypted and this server has no ENCRYPTION_KEY. */
export const encryptionKeyMissing = () =>
  new HttpError(
    500,
    'encryption_key_missing',
    'This file is stored encrypted and the server has no encryption key configured, so it cannot be read.',
  );

/** The bytes are encrypted under a master key that is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS. */
export const encryptionKeyUnknown = () =>
  new HttpError(500, 'encryption_key_unknown', 'This file is stored encrypted under a key this server is not configured with, so it cannot be read.');

/** A chunk (or a wrapped key) fails its authentication tag: the stored bytes were damaged or altered. */
export const contentCorrupt = () =>
  new HttpError(500, 'content_corrupt', 'The stored bytes of this file fail their integrity check (damaged or altered), so they are not served.');

/** Codes of the refusals above, for callers that report them rather than send them (processing, logs). */
export const REFUSAL_CODES: ReadonlySet<string> = new Set(['encryption_key_missing', 'encryption_key_unknown', 'content_corrupt']);
