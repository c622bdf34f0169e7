import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHUNK_BYTES,
  CHUNK_OVERHEAD,
  openChunks,
  plainSizeOf,
  SEALED_CHUNK_BYTES,
  sealedSize,
  sealedSpan,
} from '../../src/storage/encryption/chunks.js';
import { keyIdOf, MasterKeys } from '../../src/storage/encryption/masterKeys.js';
import { appendSealed, finishSealed, progressOf, type SavedTail } from '../../src/storage/encryption/sealedAppend.js';

/**
 * The encrypted format on its own, over real files: whatever is written, in whatever pieces and
 * requests, reads back exactly, at any range; crashes between the steps of an append lose nothing
 * that was acknowledged; altered bytes and foreign keys are refused, never returned.
 */

const RUNS = Number(process.env.ENCRYPTION_RUNS ?? 40);
const C = CHUNK_BYTES;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dropline-enc-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
/** An encrypted upload in a real file, its tail kept beside it as the server keeps it in the database. */
class SealedFile {
  readonly path = path.join(dir, `object-${++fileCount}`);
  readonly key = randomBytes(32);
  tail: SavedTail | null = null;

  constructor(readonly plainSize: number | null) {}

  async init(): Promise<this> {
    await writeFile(this.path, '');
    return this;
  }

  readonly write = async (at: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> => {
    const handle = await open(this.path, 'r+');
    try {
      let position = at;
      for await (const chunk of chunks) {
        await handle.write(chunk, 0, chunk.length, position);
        position += chunk.length;
      }
      await handle.truncate(position);
    } finally {
      await handle.close();
    }
  };

  async progress(plainSize = this.plainSize) {
    return progressOf(this.key, (await stat(this.path)).size, this.tail, plainSize);
  }

  /** One request's bytes, arriving in the given pieces. */
  async append(data: Buffer, pieces: number[] = [data.length]): Promise<number> {
    const result = await appendSealed(this.key, await this.progress(), splitAt(data, pieces), this.plainSize, this.write);
    // A tail is what a chunk lacks, never more: it is kept in a database row.
    expect(result.tail?.plain.length ?? 0).toBeLessThanOrEqual(C);
    this.tail = result.tail;
    if (result.sourceError) throw result.sourceError;
    return result.offset;
  }

  async finish(): Promise<void> {
    await finishSealed(this.key, await this.progress(null), this.write);
    this.tail = null;
  }

  async read(start: number, end: number, plainSize: number, complete = true): Promise<Buffer> {
    const span = sealedSpan(start, end, plainSize);
    const size = (await stat(this.path)).size;
    const source =
      span.start < Math.min(span.end, size)
        ? createReadStream(this.path, { start: span.start, end: Math.min(span.end, size) - 1 })
        : (async function* () {})();
    const out: Buffer[] = [];
    for await (const piece of openChunks(source, this.key, { plainSize, complete, start, end })) out.push(piece);
    return Buffer.concat(out);
  }
}

async function* splitAt(data: Buffer, pieces: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const length of pieces) {
    if (at >= data.length) return;
    yield data.subarray(at, at + length);
    at += length;
  }
  if (at < data.length) yield data.subarray(at);
}

/** Sizes around the chunk boundaries, where the arithmetic can go wrong, and anywhere else. */
const size = (max: number) => fc.oneof(fc.integer({ min: 0, max }), fc.constantFrom(0, 1, C - 1, C, C + 1, 2 * C, 3 * C - 1, 3 * C));
/** A plaintext's length and the points where requests end, anywhere, on chunk boundaries included. */
const lengthAndCuts = size(4 * C + 100).chain((length) => {
  const boundaries = [C - 1, C, C + 1, 2 * C].filter((n) => n <= length);
  const point =
    boundaries.length > 0 ? fc.oneof(fc.integer({ min: 0, max: length }), fc.constantFrom(...boundaries)) : fc.integer({ min: 0, max: length });
  return fc.tuple(
    fc.constant(length),
    fc.uniqueArray(point, { maxLength: 6 }).map((points) => [...points].sort((a, b) => a - b)),
  );
});
/** How a request's body arrives: pieces of these sizes. */
const piecesOf = fc.array(fc.integer({ min: 1, max: 3 * C }), { maxLength: 8 });

function requestsOf(data: Buffer, points: number[]): Buffer[] {
  const bounds = [0, ...points, data.length];
  return bounds.slice(1).map((end, i) => data.subarray(bounds[i]!, end));
}

describe('sizes', () => {
  it('the stored size of every plaintext size maps back to it', () => {
    fc.assert(
      fc.property(size(100 * C), (n) => {
        expect(plainSizeOf(sealedSize(n))).toBe(n);
        expect(sealedSize(n)).toBe(n + Math.ceil(n / C) * CHUNK_OVERHEAD);
      }),
    );
    expect(plainSizeOf(5)).toBeNull();
    expect(plainSizeOf(SEALED_CHUNK_BYTES + CHUNK_OVERHEAD)).toBe(C);
  });
});

describe('appends in any requests and pieces, then reads of any range', () => {
  it('with the length known up front', async () => {
    await fc.assert(
      fc.asyncProperty(
        lengthAndCuts,
        piecesOf,
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 5 }),
        async ([length, points], pieces, ranges) => {
          const data = randomBytes(length);
          const file = await new SealedFile(data.length).init();
          for (const request of requestsOf(data, points)) await file.append(request, pieces);
          expect((await file.progress()).complete).toBe(true);
          expect((await stat(file.path)).size).toBe(sealedSize(data.length));
          if (data.length >= 16) expect((await readFile(file.path)).indexOf(data.subarray(0, 16))).toBe(-1);
          expect((await file.read(0, data.length, data.length)).equals(data)).toBe(true);
          for (const [a, b] of ranges) {
            const start = data.length === 0 ? 0 : a % data.length;
            const end = start + (data.length === 0 ? 0 : b % (data.length - start + 1));
            expect((await file.read(start, end, data.length)).equals(data.subarray(start, end))).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('with the length deferred: each request ends where it ends, the last one is sealed at the end', async () => {
    await fc.assert(
      fc.asyncProperty(lengthAndCuts, piecesOf, async ([length, points], pieces) => {
        const data = randomBytes(length);
        const file = await new SealedFile(null).init();
        let offset = 0;
        for (const request of requestsOf(data, points)) {
          offset = await file.append(request, pieces);
          expect((await file.progress()).offset).toBe(offset);
          // What an unfinished upload holds in whole chunks reads back too (its running hash does this).
          const stored = ((await file.progress()).sealedOffset / SEALED_CHUNK_BYTES) * C;
          if (stored > 0) expect((await file.read(0, stored, stored, false)).equals(data.subarray(0, stored))).toBe(true);
        }
        expect(offset).toBe(data.length);
        await file.finish();
        expect(plainSizeOf((await stat(file.path)).size)).toBe(data.length);
        expect((await file.read(0, data.length, data.length)).equals(data)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('appends of several MiB, sealed a MiB of chunks at a time', () => {
  const MiB = 1024 * 1024;
  it('read back whole and at any range, with the length known or deferred, after a crash cut a run short', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MiB - C, max: 3 * MiB + C }),
        fc.uniqueArray(fc.nat(), { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 300 * 1024 }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.nat(),
        async (length, cuts, pieces, known, cutAt) => {
          const data = randomBytes(length);
          const file = await new SealedFile(known ? length : null).init();
          const points = [...new Set(cuts.map((n) => n % length))].sort((a, b) => a - b);
          for (const request of requestsOf(data, points)) await file.append(request, pieces);
          if (!known) await file.finish();
          expect((await file.read(0, length, length)).equals(data)).toBe(true);
          const start = cutAt % length;
          const end = start + ((cutAt >> 3) % (length - start + 1));
          expect((await file.read(start, end, length)).equals(data.subarray(start, end))).toBe(true);

          // The same bytes again, but the process dies partway through writing the second MiB's run.
          const again = await new SealedFile(known ? length : null).init();
          const crash = new Error('killed');
          const dying = async (offset: number, chunks: AsyncIterable<Buffer>) => {
            let position = offset;
            for await (const chunk of chunks) {
              if (position - offset + chunk.length > MiB + (cutAt % MiB)) {
                await again.write(position, [chunk.subarray(0, MiB + (cutAt % MiB) - (position - offset))]);
                throw crash;
              }
              await again.write(position, [chunk]);
              position += chunk.length;
            }
          };
          const result = await appendSealed(again.key, await again.progress(), splitAt(data, pieces), again.plainSize, dying).catch((err) => {
            expect(err).toBe(crash);
            return null;
          });
          if (result) again.tail = result.tail;
          const after = await again.progress();
          expect(after.offset).toBeLessThanOrEqual(length);
          if (!after.complete) await again.append(data.subarray(after.offset));
          if (!known) await again.finish();
          expect((await again.read(0, length, length)).equals(data)).toBe(true);

          // A connection that drops after `arrived` bytes: all of them are kept, whole chunks and tail.
          const dropped = await new SealedFile(known ? length : null).init();
          const arrived = cutAt % length;
          const lost = new Error('connection reset');
          const dropping = (async function* () {
            yield* splitAt(data.subarray(0, arrived), pieces);
            throw lost;
          })();
          const cut = await appendSealed(dropped.key, await dropped.progress(), dropping, dropped.plainSize, dropped.write);
          expect(cut.sourceError).toBe(lost);
          expect(cut.offset).toBe(arrived);
          expect(cut.tail!.plain.length).toBeLessThanOrEqual(C);
          dropped.tail = cut.tail;
          expect((await dropped.progress()).offset).toBe(arrived);
          await dropped.append(data.subarray(arrived), pieces);
          if (!known) await dropped.finish();
          expect((await dropped.read(0, length, length)).equals(data)).toBe(true);
        },
      ),
      { numRuns: Math.max(4, Math.round(RUNS / 5)) },
    );
  });
});

describe('crashes between the steps of an append', () => {
  it('chunks stored but the new tail never saved: the offset falls back to what is stored, and resuming from there completes the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 * C }),
        fc.integer({ min: 1, max: 3 * C }),
        fc.integer({ min: 0, max: 2 * C }),
        fc.boolean(),
        async (first, second, third, known) => {
          const data = randomBytes(first + second + third);
          const file = await new SealedFile(known ? data.length : null).init();
          await file.append(data.subarray(0, first));
          const savedBefore = file.tail;
          await file.append(data.subarray(first, first + second));
          file.tail = savedBefore;
          const { offset, complete } = await file.progress();
          // Never ahead of what is stored; never behind the acknowledged offset by more than the lost tail.
          expect(offset).toBeLessThanOrEqual(first + second);
          if (!complete) {
            if (offset > 0)
              expect(
                (await file.read(0, Math.floor(offset / C) * C, Math.floor(offset / C) * C, false)).equals(
                  data.subarray(0, Math.floor(offset / C) * C),
                ),
              ).toBe(true);
            await file.append(data.subarray(offset));
          }
          if (!known) await file.finish();
          expect((await file.read(0, data.length, data.length)).equals(data)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a write cut short by a crash: its stray bytes are ignored and written over', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 * C }),
        fc.nat(),
        fc.nat({ max: 2 * SEALED_CHUNK_BYTES }),
        fc.boolean(),
        async (length, at, cut, known) => {
          const data = randomBytes(length);
          const file = await new SealedFile(known ? data.length : null).init();
          const half = at % length;
          await file.append(data.subarray(0, half));
          const before = await file.progress();
          // The next request's chunks reach the disk only up to `cut` bytes; then the process dies.
          const crash = new Error('killed');
          const dying = async (offset: number, chunks: AsyncIterable<Buffer>) => {
            const kept: Buffer[] = [];
            for await (const chunk of chunks) kept.push(chunk);
            await file.write(offset, [Buffer.concat(kept).subarray(0, cut)]);
            throw crash;
          };
          await appendSealed(file.key, before, splitAt(data.subarray(half), []), file.plainSize, dying).catch((err) => expect(err).toBe(crash));
          const after = await file.progress();
          expect(after.offset).toBeGreaterThanOrEqual(Math.floor(before.offset / C) * C);
          expect(after.offset).toBeLessThanOrEqual(length);
          if (!after.complete) await file.append(data.subarray(after.offset));
          if (!known) await file.finish();
          expect((await file.read(0, length, length)).equals(data)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a tail lost where a deferred upload then ends on a chunk boundary: an empty chunk marks the end', async () => {
    const data = randomBytes(2 * C + 10);
    const file = await new SealedFile(null).init();
    await file.append(data.subarray(0, C + 5));
    file.tail = null;
    expect((await file.progress()).offset).toBe(C);
    await file.append(data.subarray(C, 2 * C));
    file.tail = null;
    expect((await file.progress()).offset).toBe(C);
    await file.finish();
    expect((await stat(file.path)).size).toBe(SEALED_CHUNK_BYTES + CHUNK_OVERHEAD);
    expect(plainSizeOf((await stat(file.path)).size)).toBe(C);
    expect((await file.read(0, C, C)).equals(data.subarray(0, C))).toBe(true);
    expect((await file.read(C - 3, C, C)).equals(data.subarray(C - 3, C))).toBe(true);
  });
});

describe('refusals', () => {
  const refusal = (code: string) => expect.objectContaining({ code });

  it('any altered stored byte is refused with content_corrupt, never returned', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 * C }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (length, where, flip) => {
        const data = randomBytes(length);
        const file = await new SealedFile(length).init();
        await file.append(data);
        const stored = await readFile(file.path);
        const at = where % stored.length;
        stored[at]! ^= flip;
        await writeFile(file.path, stored);
        await expect(file.read(0, length, length)).rejects.toThrow(refusal('content_corrupt'));
        // A range that touches only other chunks is still served: each chunk stands on its own.
        const chunk = Math.floor(at / SEALED_CHUNK_BYTES);
        if (chunk > 0) expect((await file.read(0, C, length)).equals(data.subarray(0, C))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('chunks swapped, cut off at a chunk boundary, or read under another data key are refused', async () => {
    const data = randomBytes(3 * C);
    const file = await new SealedFile(data.length).init();
    await file.append(data);
    const stored = await readFile(file.path);
    const swapped = Buffer.concat([
      stored.subarray(SEALED_CHUNK_BYTES, 2 * SEALED_CHUNK_BYTES),
      stored.subarray(0, SEALED_CHUNK_BYTES),
      stored.subarray(2 * SEALED_CHUNK_BYTES),
    ]);
    await writeFile(file.path, swapped);
    await expect(file.read(0, C, data.length)).rejects.toThrow(refusal('content_corrupt'));

    await writeFile(file.path, stored);
    await truncate(file.path, 2 * SEALED_CHUNK_BYTES);
    // The size taken from what is stored (2 chunks): the second is not marked as the last.
    await expect(file.read(0, 2 * C, plainSizeOf(2 * SEALED_CHUNK_BYTES)!)).rejects.toThrow(refusal('content_corrupt'));
    // The size taken from the record (3 chunks): the stored bytes end early.
    await expect(file.read(0, 3 * C, data.length)).rejects.toThrow(refusal('content_corrupt'));

    await writeFile(file.path, stored);
    const other = Object.assign(new SealedFile(data.length), { path: file.path });
    await expect(other.read(0, 10, data.length)).rejects.toThrow(refusal('content_corrupt'));
  });

  it('a wrap under a master key that is not configured is refused as unknown; with none configured, as missing', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    const { dataKey, wrap } = new MasterKeys(a).newDataKey();
    expect(wrap.keyId).toBe(keyIdOf(a));
    expect(new MasterKeys(a).unwrap(wrap).equals(dataKey)).toBe(true);
    expect(() => new MasterKeys(b).unwrap(wrap)).toThrow(refusal('encryption_key_unknown'));
    expect(() => new MasterKeys(null).unwrap(wrap)).toThrow(refusal('encryption_key_missing'));
    // A wrap altered in place, or relabelled with the id of a key that did not make it.
    const altered = { ...wrap, wrapped: Buffer.from(wrap.wrapped) };
    altered.wrapped[20]! ^= 1;
    expect(() => new MasterKeys(a).unwrap(altered)).toThrow(refusal('content_corrupt'));
    expect(() => new MasterKeys(b, a).unwrap({ ...wrap, keyId: keyIdOf(b) })).toThrow(refusal('content_corrupt'));
  });

  it('after a rotation the previous key still unwraps, and a rewrap moves the data key to the current one', () => {
    const old = randomBytes(32);
    const current = randomBytes(32);
    const { dataKey, wrap } = new MasterKeys(old).newDataKey();
    const rotated = new MasterKeys(current, old);
    expect(rotated.unwrap(wrap).equals(dataKey)).toBe(true);
    const moved = rotated.rewrap(wrap)!;
    expect(moved.keyId).toBe(keyIdOf(current));
    expect(rotated.rewrap(moved)).toBeNull();
    expect(new MasterKeys(current).unwrap(moved).equals(dataKey)).toBe(true);
  });
});
