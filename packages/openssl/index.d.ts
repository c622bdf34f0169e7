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
