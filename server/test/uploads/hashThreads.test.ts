import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { sha256Update } from '@dropline/openssl';
import { describe, expect, it } from 'vitest';
import { RunningHash, type HashStates } from '../../src/uploads/contentHash.js';
import { hashThreads } from '../../src/uploads/hashThreads.js';
import type { SavedHash } from '../../src/uploads/uploads.repository.js';

/** Keeps what RunningHash saves, as the uploads table would. */
function memoryStates(): HashStates & { saved: SavedHash[] } {
  const saved: SavedHash[] = [];
  return {
    saved,
    savedHash: async () => ({ saved: saved.at(-1) ?? null, partial: false }),
    saveHash: async (_id, hash) => {
      saved.push(hash);
    },
    saveSha256: async () => {},
  };
}

/** The saved state of a SHA-256 that has taken nothing. */
const start = () => sha256Update(null, new Uint8Array(0));

async function runningHash(states: HashStates): Promise<RunningHash> {
  return new RunningHash('u', start(), 0, 0, states);
}

describe('hashing off the event loop', () => {
  it('gives the digests of the whole, though the caller reuses one buffer for every chunk', async () => {
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const hash = await runningHash(memoryStates());
    const buffer = Buffer.alloc(1024 * 1024);
    for (let at = 0; at < data.length; at += buffer.length) {
      const n = data.copy(buffer, 0, at, at + buffer.length);
      // Not waited for on purpose for some chunks: the copy is taken at once, so refilling is safe.
      const queued = hash.update(buffer.subarray(0, n));
      buffer.fill(0xff);
      if (at % (2 * buffer.length) === 0) await queued;
    }
    expect(hash.offset).toBe(data.length);
    expect(await hash.digests()).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), crc32: crc32(data) });
  });

  it('gives the memory a thread hashed back, to be filled again rather than a new one mapped', async () => {
    const size = 3 * 1024 * 1024 + 7;
    const bytes = hashThreads.buffer(size);
    bytes.fill(0x5a);
    const state = await hashThreads.continue({ sha256: start(), crc32: 0 }, bytes);
    expect(state.crc32).toBe(crc32(Buffer.alloc(size, 0x5a)));
    // A new buffer is zeroed; this one still holds what was hashed in it.
    const again = hashThreads.buffer(size);
    expect(again.length).toBe(size);
    expect(again.every((b) => b === 0x5a)).toBe(true);
  });

  // Linux keeps a nice value per thread and shows it in /proc; elsewhere there is nothing to read.
  it.runIf(existsSync('/proc/self/task'))('runs its threads below the event loop, which keeps its own priority', async () => {
    await hashThreads.continue({ sha256: start(), crc32: 0 }, hashThreads.buffer(1024));
    // Field 19 of a thread's stat, counted after the name's closing parenthesis (a name may hold spaces).
    const niceOf = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const nices = readdirSync('/proc/self/task').map(niceOf);
    expect(niceOf(String(process.pid))).toBe(0);
    expect(nices).toContain(10);
  });

  it('keeps concurrent uploads apart, and a checkpoint is the state at its offset, which continues elsewhere', async () => {
    const parts = [randomBytes(3 * 1024 * 1024), randomBytes(2 * 1024 * 1024)];
    const states = memoryStates();
    const first = await runningHash(states);
    const others = await Promise.all(Array.from({ length: 6 }, () => runningHash(memoryStates())));
    await Promise.all([first.update(parts[0]!), ...others.map((h, i) => h.update(randomBytes(1024 * 1024 + i)))]);
    const checkpoint = first.checkpoint();
    void first.update(parts[1]!);
    await checkpoint;
    expect(states.saved.at(-1)!.offset).toBe(parts[0]!.length);

    // A later request resumes from the saved state with a hasher of its own.
    const saved = states.saved.at(-1)!;
    const resumed = new RunningHash('u', saved.state, saved.offset, saved.crc32, states);
    await resumed.update(parts[1]!);
    const whole = Buffer.concat(parts);
    const expected = { sha256: createHash('sha256').update(whole).digest('hex'), crc32: crc32(whole) };
    expect(await resumed.digests()).toEqual(expected);
    expect(await first.digests()).toEqual(expected);
  });
});
