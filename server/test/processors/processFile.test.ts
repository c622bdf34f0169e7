import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/jobs/processors/index.js';
import { fixture } from './fixtures.js';

describe('processFile', () => {
  it('hashes random binary exactly like node:crypto and classifies it as binary', async () => {
    // Not a multiple of the read chunk size, so the last short read is covered.
    const bytes = randomBytes(9 * 1024 * 1024 + 123);
    bytes[0] = 0; // Rule out an accidental text or magic-number match.
    const { input, derivedDir } = await fixture('blob.dat', bytes, { claimedType: 'application/x-custom' });

    const result = await processFile(input);

    expect(result).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      detectedType: null,
      extracted: { kind: 'binary', claimedType: 'application/x-custom', detectedType: null },
    });
    expect(existsSync(derivedDir)).toBe(false);
  });

  it('hashes an empty file', async () => {
    const { input } = await fixture('empty.bin', '');
    expect((await processFile(input)).sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('rejects with code ENOENT and a readable message when the file is gone', async () => {
    const { input, path } = await fixture('deleted.bin', randomBytes(10));
    await rm(path);

    await expect(processFile(input)).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/^The file no longer exists/),
    });
  });

  it('fails readably when the file does not have the expected size', async () => {
    const { input } = await fixture('short.bin', randomBytes(100));
    await expect(processFile({ ...input, size: 200 })).rejects.toThrow(
      'The file has 100 bytes where 200 were expected; it changed while being processed',
    );
  });

  it('stops with the abort reason once the signal is aborted', async () => {
    const { input } = await fixture('aborted.bin', randomBytes(16 * 1024 * 1024));

    const already = AbortSignal.abort();
    await expect(processFile({ ...input, signal: already })).rejects.toBe(already.reason);

    // Aborted after the call has started: it must stop at the next chunk, not finish.
    const controller = new AbortController();
    const running = processFile({ ...input, signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
  });
});
