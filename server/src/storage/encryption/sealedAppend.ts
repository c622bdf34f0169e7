import {
  CHUNK_BYTES,
  CHUNK_OVERHEAD,
  ChunkSealer,
  openTail,
  sealedOffsetOf,
  sealedSize,
  sealTail,
  wholeChunksIn,
  type SealedRun,
  type Tail,
} from './chunks.js';

/** A tail as kept between requests: sealed, with the chunk index it will become. */
export interface SavedTail {
  index: number;
  sealed: Buffer;
}

/** Where an encrypted upload stands: its whole chunks in the backend, and the partial one kept apart. */
export interface SealedProgress {
  /** Plaintext bytes received: the upload's offset. */
  offset: number;
  /** Stored bytes that hold whole chunks; the next chunk is written here. */
  sealedOffset: number;
  tail: Tail;
  complete: boolean;
}

/**
 * An upload's progress from what the backend holds (`storedBytes`) and its saved tail. The object
 * grows by whole chunks and the tail is saved after them, so a tail whose chunk is already stored
 * is stale (a crash came between the two) and its bytes are in the object; stored bytes past the
 * last whole chunk are a write a crash cut short, and the next append writes over them.
 */
export function progressOf(key: Buffer, storedBytes: number, saved: SavedTail | null, plainSize: number | null): SealedProgress {
  if (plainSize !== null && isWhole(storedBytes, plainSize)) {
    return { offset: plainSize, sealedOffset: storedBytes, tail: { index: 0, plain: Buffer.alloc(0) }, complete: true };
  }
  const chunks = wholeChunksIn(storedBytes);
  const tail = saved && saved.index === chunks ? openTail(key, saved.index, saved.sealed) : { index: chunks, plain: Buffer.alloc(0) };
  return { offset: chunks * CHUNK_BYTES + tail.plain.length, sealedOffset: sealedOffsetOf(chunks), tail, complete: false };
}

/** Whether `storedBytes` are exactly a complete object of `plainSize` bytes (its end marked either way). */
function isWhole(storedBytes: number, plainSize: number): boolean {
  const size = sealedSize(plainSize);
  return storedBytes === size || (storedBytes === size + CHUNK_OVERHEAD && plainSize > 0 && plainSize % CHUNK_BYTES === 0);
}

/**
 * Writes sealed chunks into the backend's object at a stored offset, replacing whatever was stored
 * from there on (only a write a crash cut short can have left anything there).
 */
export type SealedWrite = (sealedOffset: number, chunks: AsyncIterable<Buffer>) => Promise<unknown>;

export interface AppendResult {
  offset: number;
  /** The new tail (its plaintext, and sealed to save), or null when the upload is complete and has none. */
  tail: (SavedTail & { plain: Buffer }) | null;
  /** The source's failure (a broken connection, a refused size): what arrived before it is kept. */
  sourceError?: unknown;
}

/**
 * Appends plaintext to an encrypted upload without reading anything back but its tail: the tail and
 * the new bytes are cut into chunks, whole ones are sealed and written after the stored ones, and
 * what is left becomes the new tail. With the size known, the chunk that reaches it is sealed as the
 * last one and the upload is complete. A failing source ends the backend's stream cleanly (what
 * arrived stays, as unencrypted uploads keep it) and is reported in the result. `onSealed` hears
 * each run of chunks as it goes to the backend.
 */
export async function appendSealed(
  key: Buffer,
  progress: SealedProgress,
  source: AsyncIterable<Buffer>,
  plainSize: number | null,
  write: SealedWrite,
  onSealed: (run: SealedRun) => void = () => {},
): Promise<AppendResult> {
  const sealer = new ChunkSealer(key, progress.tail.index, progress.tail.plain, plainSize);
  let sourceError: unknown;
  let failed = false;
  async function* sealed(): AsyncGenerator<Buffer> {
    try {
      for await (const piece of source) {
        const run = sealer.push(piece);
        if (run) {
          onSealed(run);
          yield run.sealed;
        }
      }
    } catch (err) {
      failed = true;
      sourceError = err;
    }
    // What arrived is kept either way: its whole chunks are stored, the rest becomes the tail.
    const rest = sealer.drain();
    if (rest) {
      onSealed(rest);
      yield rest.sealed;
    }
    // Reaching the size with nothing left to seal: the stored chunks end the upload and need their end marked.
    if (!failed && plainSize !== null && sealer.position === plainSize && !sealer.ended) {
      const last = sealer.finish();
      if (last) {
        onSealed(last);
        yield last.sealed;
      }
    }
  }
  const chunks = sealed();
  const first = await chunks.next();
  if (!first.done) {
    await write(
      progress.sealedOffset,
      (async function* () {
        yield first.value;
        yield* chunks;
      })(),
    );
  }
  const offset = sealer.position;
  const tail = plainSize !== null && offset === plainSize ? null : sealer.tail();
  return {
    offset,
    tail: tail && { index: tail.index, plain: tail.plain, sealed: sealTail(key, tail) },
    ...(failed ? { sourceError } : {}),
  };
}

/**
 * Ends an upload whose length was deferred at what it has received: its tail becomes the last chunk
 * (see ChunkSealer.finish). Returns how many bytes that stored (none for an empty upload).
 */
export async function finishSealed(key: Buffer, progress: SealedProgress, write: SealedWrite): Promise<number> {
  const last = new ChunkSealer(key, progress.tail.index, progress.tail.plain, null).finish();
  if (!last) return 0;
  await write(
    progress.sealedOffset,
    (async function* () {
      yield last.sealed;
    })(),
  );
  return last.sealed.length;
}

/** The stored size an upload of `plainSize` bytes will end at, given where it stands (see ChunkSealer.finish). */
export function finalSealedSize(progress: SealedProgress, plainSize: number): number {
  const marked = plainSize === progress.offset && progress.tail.plain.length === 0 && progress.tail.index > 0;
  return sealedSize(plainSize) + (marked ? CHUNK_OVERHEAD : 0);
}
