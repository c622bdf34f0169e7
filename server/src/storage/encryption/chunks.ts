import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

function additionalData(index: number, role: Role): Buffer {
  const aad = Buffer.alloc(FORMAT.length + 9);
  FORMAT.copy(aad);
  aad.writeBigUInt64BE(BigInt(index), FORMAT.length);
  aad[FORMAT.length + 8] = role;
  return aad;
}

function seal(key: Buffer, index: number, role: Role, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(additionalData(index, role));
  const body = cipher.update(plain);
  cipher.final();
  return Buffer.concat([nonce, body, cipher.getAuthTag()], NONCE_BYTES + body.length + TAG_BYTES);
}

function open(key: Buffer, index: number, role: Role, sealed: Uint8Array): Buffer {
  if (sealed.length < CHUNK_OVERHEAD) throw contentCorrupt();
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES))
    .setAAD(additionalData(index, role))
    .setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const plain = decipher.update(body);
  try {
    decipher.final();
  } catch {
    throw contentCorrupt();
  }
  return plain;
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

export interface SealedChunk {
  index: number;
  plain: Buffer;
  sealed: Buffer;
}

/**
 * Cuts plaintext into sealed chunks from chunk `index` on, starting with a tail's bytes. A chunk is
 * sealed once it is full and known not to be the last (the object's size, when known, says so;
 * otherwise one more byte must have arrived), or when it reaches the object's known size.
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

  /** Takes plaintext; returns the chunks it completes, sealed, each with its plaintext. */
  push(data: Buffer): SealedChunk[] {
    if (data.length > 0) {
      this.pending.push(data);
      this.pendingBytes += data.length;
    }
    const sealed: SealedChunk[] = [];
    for (;;) {
      const chunkStart = this.index * CHUNK_BYTES;
      const lastLength = this.plainSize === null ? null : this.plainSize - chunkStart;
      if (lastLength !== null && lastLength > 0 && lastLength <= CHUNK_BYTES && this.pendingBytes >= lastLength) {
        sealed.push(this.seal(Role.Last, lastLength));
        return sealed;
      }
      if (this.pendingBytes < CHUNK_BYTES || (this.plainSize === null && this.pendingBytes === CHUNK_BYTES)) return sealed;
      sealed.push(this.seal(Role.Middle, CHUNK_BYTES));
    }
  }

  /**
   * Seals what is left as the last chunk: the object's size is now known to be what was pushed.
   * Nothing is left only when an upload lost its tail to a crash and then ended exactly where its
   * stored chunks do; the chunk before is sealed as not the last and cannot be rewritten (an S3
   * part cannot), so an empty chunk marks the end. An empty object has no chunks at all.
   */
  finish(): SealedChunk | null {
    if (this.pendingBytes === 0 && this.index === 0) return null;
    return this.seal(Role.Last, this.pendingBytes);
  }

  /** What is not sealed yet: the tail to keep until more bytes arrive. */
  tail(): Tail {
    return { index: this.index, plain: this.take(this.pendingBytes) };
  }

  private seal(role: Role, length: number): SealedChunk {
    const index = this.index++;
    const plain = this.take(length);
    this.sealedBytes += length;
    if (role === Role.Last) this.sealedLast = true;
    return { index, plain, sealed: seal(this.key, index, role, plain) };
  }

  private take(length: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    const rest = all.subarray(length);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, length);
  }
}

const OPEN_BATCH_BYTES = 1024 * 1024;

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
  // Opened chunks go out in batches of about a MiB: a stream step per 64 KiB chunk cost more CPU
  // than decrypting it.
  let batch: Buffer[] = [];
  let batched = 0;
  const release = (): Buffer => {
    const out = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    return out;
  };
  try {
    for (let index = Math.floor(start / CHUNK_BYTES); index * CHUNK_BYTES < end; index++) {
      const chunkStart = index * CHUNK_BYTES;
      const length = Math.min(CHUNK_BYTES, plainSize - chunkStart);
      if (length <= 0) throw contentCorrupt();
      const sealed = await reader.read(length + CHUNK_OVERHEAD);
      const plain = complete && index === lastIndex ? await openLast(key, index, sealed, reader) : open(key, index, Role.Middle, sealed);
      const wanted = plain.subarray(Math.max(start - chunkStart, 0), Math.min(end - chunkStart, plain.length));
      batch.push(wanted);
      batched += wanted.length;
      if (batched >= OPEN_BATCH_BYTES) yield release();
    }
    if (batched > 0) yield release();
  } finally {
    await reader.close();
  }
}

/** The object's last chunk: marked as the last, or full and followed by an empty marked chunk. */
async function openLast(key: Buffer, index: number, sealed: Buffer, reader: ExactReader): Promise<Buffer> {
  try {
    return open(key, index, Role.Last, sealed);
  } catch (err) {
    if (sealed.length !== SEALED_CHUNK_BYTES) throw err;
  }
  const plain = open(key, index, Role.Middle, sealed);
  open(key, index + 1, Role.Last, await reader.read(CHUNK_OVERHEAD));
  return plain;
}

/** Reads exactly so many bytes at a time from a stream of pieces; stored bytes that end early are corrupt. */
class ExactReader {
  private leftover: Uint8Array = new Uint8Array(0);

  constructor(private readonly pieces: AsyncIterator<Uint8Array>) {}

  async read(length: number): Promise<Buffer> {
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
