/** A SHA-256 state as saved: everything the hash has taken so far, in a portable layout. */
export type Sha256State = Uint8Array;

/** Bytes of a saved SHA-256 state. */
export const SHA256_STATE_BYTES: number;

/**
 * The state after `bytes` (any typed array or DataView), continuing `state` (`null`: from the
 * start). Throws a TypeError for a state this module did not save.
 */
export function sha256Update(state: Sha256State | null, bytes: ArrayBufferView): Buffer;

/** The SHA-256 of everything `state` has taken (32 bytes); the state is left as it was. */
export function sha256Digest(state: Sha256State | null): Buffer;

/** Whether `state` was saved by this module (and so can be continued). */
export function isSha256State(state: Uint8Array): boolean;

/**
 * Seals the plaintext `pieces` (never joined) with AES-256-GCM under `key` (32 bytes) and `nonce`
 * (12), authenticating `aad` too, into `out` from `at`: the ciphertext, then the 16-byte tag.
 * Returns where the tag ends. Throws a RangeError when that does not fit in `out`.
 */
export function gcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pieces: readonly Uint8Array[], out: Uint8Array, at: number): number;

/**
 * Opens `ciphertext` sealed by gcmSeal (or node:crypto's aes-256-gcm) into `out` from `at`. False
 * when the tag does not match: what was written there is then not the plaintext and must not be used.
 */
export function gcmOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
  out: Uint8Array,
  at: number,
): boolean;
