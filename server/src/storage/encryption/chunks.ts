import { randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal } from '@dropline/openssl';
import { contentCorrupt } from './refusals.js';

/**
 * The sealed format of an encrypted object: its plaintext cut into 64 KiB chunks, each sealed on
 * its own with AES-256-GCM under the object's data key, as `nonce (12) | ciphertext | tag (16)`.
 * A byte's chunk follows from its offset, so a Range read opens only the chunks it touches and an
 * append seals only what is new. Each chunk's nonce is random, so a chunk sealed again (a resumed
 * upload rewriting what a crash cut short) never reuses one. The additional data binds a chunk to
 * its index and says whether it is the object's last one, so chunks can be neither reordered,
 * moved between objects (every object has its own key) nor cut off at a chunk boundary unnoticed.
 */
export const CHUNK_BYTES = 64 * 1024;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const CHUNK_OVERHEAD = NONCE_BYTES + TAG_BYTES;
export const SEALED_CHUNK_BYTES = CHUNK_BYTES + CHUNK_OVERHEAD;
export const DATA_KEY_BYTES = 32;

/** What a sealed piece is: a chunk in the middle, the object's last chunk, or an upload's unfinished tail. */
const Role = { Middle: 0, Last: 1, Tail: 2 } as const;
type Role = (typeof Role)[keyof typeof Role];

const FORMAT = Buffer.from('DLC1');

/** setAAD copies what it is given, so one buffer serves every chunk. */
const AAD = Buffer.alloc(FORMAT.length + 9);
FORMAT.copy(AAD);

/** The additional data of chunk `index` in `role` (valid until the next call). */
function additionalData(index: number, role: Role): Buffer {
  AAD.writeBigUInt64BE(BigInt(index), FORMAT.length);
  AAD[FORMAT.length + 8] = role;
  return AAD;
}

/**
 * Seals the plaintext `plain` (in pieces, never joined) as chunk `index` into `out` at `at`, as
 * `nonce | ciphertext | tag`, the nonce being already there. The ciphertext and tag are written in
 * place (node:crypto would allocate each piece's output and copy it, which cost as much as AES
 * itself). Returns where the chunk ends.
 */
function sealInto(key: Buffer, index: number, role: Role, plain: readonly Uint8Array[], out: Buffer, at: number): number {
  return gcmSeal(key, out.subarray(at, at + NONCE_BYTES), additionalData(index, role), plain, out, at + NONCE_BYTES);
}

function seal(key: Buffer, index: number, role: Role, plain: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plain.length + CHUNK_OVERHEAD);
  randomBytes(NONCE_BYTES).copy(out);
  sealInto(key, index, role, [plain], out, 0);
  return out;
}

/**
 * Opens the sealed chunk `index` into `out` at `at` (by default, into memory of its own); returns
 * its plaintext there. Nothing is returned of a chunk whose tag does not match.
 */
function open(key: Buffer, index: number, role: Role, sealed: Uint8Array, out?: Buffer, at = 0): Buffer {
  if (sealed.length < CHUNK_OVERHEAD) throw contentCorrupt();
  const length = sealed.length - CHUNK_OVERHEAD;
  const into = out ?? Buffer.allocUnsafe(length);
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  if (!gcmOpen(key, sealed.subarray(0, NONCE_BYTES), additionalData(index, role), body, tag, into, at)) throw contentCorrupt();
  return into.subarray(at, at + length);
}

/** How many chunks hold `plainSize` bytes (none for an empty object). */
export const chunkCount = (plainSize: number): number => Math.ceil(plainSize / CHUNK_BYTES);

/** The stored size of a complete object of `plainSize` bytes. */
export const sealedSize = (plainSize: number): number => plainSize + chunkCount(plainSize) * CHUNK_OVERHEAD;

/**
 * The plaintext size of a complete object stored in `sealed` bytes; null when no object has that
 * size. An object may end in an empty last chunk (see ChunkSealer.finish).
 */
export function plainSizeOf(sealed: number): number | null {
  const full = Math.floor(sealed / SEALED_CHUNK_BYTES);
  const rest = sealed - full * SEALED_CHUNK_BYTES;
  if (rest === 0) return full * CHUNK_BYTES;
  if (rest === CHUNK_OVERHEAD) return full > 0 ? full * CHUNK_BYTES : null;
  return rest > CHUNK_OVERHEAD ? full * CHUNK_BYTES + rest - CHUNK_OVERHEAD : null;
}

/** Whole chunks in the first `sealed` stored bytes of an object being written; a chunk cut short by a crash does not count. */
export const wholeChunksIn = (sealed: number): number => Math.floor(sealed / SEALED_CHUNK_BYTES);

/** Where chunk `index` starts in the stored object. */
export const sealedOffsetOf = (index: number): number => index * SEALED_CHUNK_BYTES;

/**
 * The stored bytes to read for the plaintext bytes `[start, end)` of a complete object of
 * `plainSize` bytes: from the start of the first chunk they touch to the end of the last. When that
 * is the object's last chunk and it is full, the span reaches one empty chunk further, where the
 * object's end may be marked instead (see ChunkSealer.finish); a backend gives what there is.
 */
export function sealedSpan(start: number, end: number, plainSize: number): { start: number; end: number } {
  const firstChunk = Math.floor(start / CHUNK_BYTES);
  const lastChunk = Math.max(Math.ceil(end / CHUNK_BYTES), firstChunk);
  const reachesEnd = lastChunk >= chunkCount(plainSize);
  const endMark = reachesEnd && plainSize > 0 && plainSize % CHUNK_BYTES === 0 ? CHUNK_OVERHEAD : 0;
  return { start: sealedOffsetOf(firstChunk), end: reachesEnd ? sealedSize(plainSize) + endMark : sealedOffsetOf(lastChunk) };
}

/**
 * An unfinished upload's last, partial chunk: kept apart (sealed under the data key, with a fresh
 * nonce each time) until more bytes complete it, so the object itself only ever grows by whole
 * chunks and an append never rewrites stored bytes. `index` is the chunk it will become.
 */
export interface Tail {
  index: number;
  plain: Buffer;
}

export const sealTail = (key: Buffer, tail: Tail): Buffer => seal(key, tail.index, Role.Tail, tail.plain);
export const openTail = (key: Buffer, index: number, sealed: Uint8Array): Tail => ({ index, plain: open(key, index, Role.Tail, sealed) });

/**
 * Chunks sealed together, stored back to back in `sealed` from chunk `index` on, with the
 * plaintext they hold in the pieces it was pushed in (never joined: the hash takes pieces).
 */
export interface SealedRun {
  index: number;
  sealed: Buffer;
  plain: Buffer[];
}

/**
 * Plaintext gathered before sealing: a run of a MiB is one allocation and one write instead of
 * sixteen, and what the garbage collector has to follow shrinks with it.
 */
const SEAL_BATCH_BYTES = 1024 * 1024;

/**
 * Cuts plaintext into sealed chunks from chunk `index` on, starting with a tail's bytes. A chunk is
 * sealed once it is full and known not to be the last (the object's size, when known, says so;
 * otherwise one more byte must have arrived), or when it reaches the object's known size. Chunks
 * are sealed a MiB at a time as bytes are pushed, and whatever can be sealed when `drain` is called.
 */
export class ChunkSealer {
  private pending: Buffer[];
  private pendingBytes: number;
  private sealedLast = false;
  /** Plaintext bytes before the pending ones: whole chunks, and the last one once it is sealed. */
  private sealedBytes: number;

  constructor(
    private readonly key: Buffer,
    private index: number,
    carry: Buffer,
    /** The object's plaintext size when known; the chunk that reaches it is sealed as the last. */
    private readonly plainSize: number | null,
  ) {
    this.pending = carry.length > 0 ? [carry] : [];
    this.pendingBytes = carry.length;
    this.sealedBytes = index * CHUNK_BYTES;
  }

  /** The plaintext position the next byte pushed lands at. */
  get position(): number {
    return this.sealedBytes + this.pendingBytes;
  }

  /** Whether the object's last chunk has been sealed. */
  get ended(): boolean {
    return this.sealedLast;
  }

  /** Takes plaintext; returns the chunks sealed once a batch of it is waiting (see drain), else null. */
  push(data: Buffer): SealedRun | null {
    if (data.length > 0) {
      this.pending.push(data);
      this.pendingBytes += data.length;
    }
    return this.pendingBytes >= SEAL_BATCH_BYTES ? this.drain() : null;
  }

  /** Seals every chunk the bytes pushed so far complete; null when there is none. */
  drain(): SealedRun | null {
    const roles: Role[] = [];
    const lengths: number[] = [];
    let waiting = this.pendingBytes;
    for (let index = this.index; ; index++) {
      const lastLength = this.plainSize === null ? null : this.plainSize - index * CHUNK_BYTES;
      if (lastLength !== null && lastLength > 0 && lastLength <= CHUNK_BYTES && waiting >= lastLength) {
        roles.push(Role.Last);
        lengths.push(lastLength);
        break;
      }
      if (waiting < CHUNK_BYTES || (this.plainSize === null && waiting === CHUNK_BYTES)) break;
      roles.push(Role.Middle);
      lengths.push(CHUNK_BYTES);
      waiting -= CHUNK_BYTES;
    }
    return roles.length === 0 ? null : this.seal(roles, lengths);
  }

  /**
   * Seals what is left as the last chunk: the object's size is now known to be what was pushed.
   * Nothing is left only when an upload lost its tail to a crash and then ended exactly where its
   * stored chunks do; the chunk before is sealed as not the last and cannot be rewritten (an S3
   * part cannot), so an empty chunk marks the end. An empty object has no chunks at all. Call
   * `drain` first: only one chunk's bytes may be left.
   */
  finish(): SealedRun | null {
    if (this.pendingBytes === 0 && this.index === 0) return null;
    return this.seal([Role.Last], [this.pendingBytes]);
  }

  /** What is not sealed yet: the tail to keep until more bytes arrive. */
  tail(): Tail {
    const pieces = this.take(this.pendingBytes);
    return { index: this.index, plain: pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces) };
  }

  private seal(roles: Role[], lengths: number[]): SealedRun {
    const first = this.index;
    const sealed = Buffer.allocUnsafe(lengths.reduce((sum, length) => sum + length + CHUNK_OVERHEAD, 0));
    const plain: Buffer[] = [];
    // One draw of randomness for the run's nonces: a call per chunk cost more than the bytes.
    const nonces = randomBytes(roles.length * NONCE_BYTES);
    let at = 0;
    for (const [i, role] of roles.entries()) {
      const pieces = this.take(lengths[i]!);
      nonces.copy(sealed, at, i * NONCE_BYTES, (i + 1) * NONCE_BYTES);
      at = sealInto(this.key, this.index++, role, pieces, sealed, at);
      this.sealedBytes += lengths[i]!;
      if (role === Role.Last) this.sealedLast = true;
      plain.push(...pieces);
    }
    return { index: first, sealed, plain };
  }

  /** The next `length` pending bytes, as the pieces they were pushed in. */
  private take(length: number): Buffer[] {
    const taken: Buffer[] = [];
    this.pendingBytes -= length;
    while (length > 0) {
      const piece = this.pending[0]!;
      if (piece.length <= length) {
        taken.push(piece);
        this.pending.shift();
        length -= piece.length;
      } else {
        taken.push(piece.subarray(0, length));
        this.pending[0] = piece.subarray(length);
        length = 0;
      }
    }
    return taken;
  }
}

const OPEN_BATCH_BYTES = SEAL_BATCH_BYTES;

export interface OpenRange {
  /** Plaintext bytes held in the sealed chunks (all of an object; whole chunks only of an unfinished one). */
  plainSize: number;
  /** Whether the chunks end the object (its end is marked), or an upload is still growing. */
  complete: boolean;
  /** The plaintext bytes wanted, `[start, end)`; `source` starts at the first chunk they touch (see sealedSpan). */
  start: number;
  end: number;
}

/**
 * Opens the sealed chunks `source` yields (from the chunk holding `start`) and yields the plaintext
 * `[start, end)`. Nothing of a chunk comes out before its tag is checked; a chunk that fails, or
 * stored bytes that end early, stop the stream with `content_corrupt`.
 */
export async function* openChunks(source: AsyncIterable<Uint8Array>, key: Buffer, range: OpenRange): AsyncGenerator<Buffer> {
  const { plainSize, complete, start, end } = range;
  const lastIndex = chunkCount(plainSize) - 1;
  const reader = new ExactReader(source[Symbol.asyncIterator]());
  // Chunks are opened straight into a batch of a MiB that goes out whole: a stream step per 64 KiB
  // chunk cost more CPU than decrypting it, and joining opened chunks cost a copy of every byte.
  // A batch holds at most what is left to open, so a short Range takes no more memory than it needs.
  const batchFor = (chunkStart: number) =>
    Buffer.allocUnsafe(Math.min(OPEN_BATCH_BYTES, Math.min(Math.ceil(end / CHUNK_BYTES) * CHUNK_BYTES, plainSize) - chunkStart));
  let batch: Buffer | undefined;
  let batched = 0;
  try {
    for (let index = Math.floor(start / CHUNK_BYTES); index * CHUNK_BYTES < end; index++) {
      const chunkStart = index * CHUNK_BYTES;
      const length = Math.min(CHUNK_BYTES, plainSize - chunkStart);
      if (length <= 0) throw contentCorrupt();
      if (batch && batched + length > batch.length) {
        yield batch.subarray(0, batched);
        batch = undefined;
        batched = 0;
      }
      batch ??= batchFor(chunkStart);
      const sealed = await reader.read(length + CHUNK_OVERHEAD);
      const plain =
        complete && index === lastIndex
          ? await openLast(key, index, sealed, reader, batch, batched)
          : open(key, index, Role.Middle, sealed, batch, batched);
      // Only a Range's first and last chunks are wanted in part: their bytes move to where the batch goes on.
      const from = Math.max(start - chunkStart, 0);
      const to = Math.min(end - chunkStart, plain.length);
      if (from > 0) batch.copyWithin(batched, batched + from, batched + to);
      batched += to - from;
    }
    if (batch && batched > 0) yield batch.subarray(0, batched);
  } finally {
    await reader.close();
  }
}

/** The object's last chunk, opened into `out` at `at`: marked as the last, or full and followed by an empty marked chunk. */
async function openLast(key: Buffer, index: number, sealed: Uint8Array, reader: ExactReader, out: Buffer, at: number): Promise<Buffer> {
  try {
    return open(key, index, Role.Last, sealed, out, at);
  } catch (err) {
    if (sealed.length !== SEALED_CHUNK_BYTES) throw err;
  }
  const plain = open(key, index, Role.Middle, sealed, out, at);
  open(key, index + 1, Role.Last, await reader.read(CHUNK_OVERHEAD));
  return plain;
}

/** Reads exactly so many bytes at a time from a stream of pieces; stored bytes that end early are corrupt. */
class ExactReader {
  private leftover: Uint8Array = new Uint8Array(0);

  constructor(private readonly pieces: AsyncIterator<Uint8Array>) {}

  async read(length: number): Promise<Uint8Array> {
    // Most chunks lie whole in one piece the backend gave (a MiB from the disk): no copy then.
    if (this.leftover.length >= length) {
      const whole = this.leftover.subarray(0, length);
      this.leftover = this.leftover.subarray(length);
      return whole;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      if (this.leftover.length === 0) {
        const next = await this.pieces.next();
        if (next.done) throw contentCorrupt();
        this.leftover = next.value;
      }
      const take = Math.min(length - filled, this.leftover.length);
      out.set(this.leftover.subarray(0, take), filled);
      this.leftover = this.leftover.subarray(take);
      filled += take;
    }
    return out;
  }

  /** Lets the source go (a Range read stops before its stream ends). */
  async close(): Promise<void> {
    await this.pieces.return?.();
  }
}
