import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/jobs/processors/index.js';
import { TextStats } from '../../src/jobs/processors/text.js';
import { fixture, processBytes } from './fixtures.js';

describe('text files', () => {
  it('counts lines, words and bytes exactly', async () => {
    const content = 'hello world\r\nsecond  line\there\n\n  naïve café ☕\nlast line, no newline';
    const { sha256, detectedType, extracted } = await processBytes('notes.txt', content, { claimedType: 'text/plain' });

    expect(detectedType).toBe('text/plain');
    expect(sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(extracted).toMatchObject({
      kind: 'text',
      claimedType: 'text/plain',
      detectedType: 'text/plain',
      lines: 5,
      words: 12,
      bytes: Buffer.byteLength(content),
      firstLines: ['hello world', 'second  line\there', '', '  naïve café ☕', 'last line, no newline'],
    });
  });

  it('does not count a line after the final newline', async () => {
    const { extracted } = await processBytes('two.txt', 'one\ntwo\n');
    expect(extracted).toMatchObject({ lines: 2, words: 2, firstLines: ['one', 'two'] });
  });

  it('treats an empty file as text with nothing in it', async () => {
    const { extracted } = await processBytes('empty.txt', '');
    expect(extracted).toMatchObject({ kind: 'text', lines: 0, words: 0, bytes: 0, firstLines: [] });
  });

  it('keeps counts exact across read chunk boundaries', async () => {
    // ~10 MiB: spans several read chunks, with words and lines split between them.
    const line = 'alpha beta gamma delta\n';
    const repeats = Math.ceil((10 * 1024 * 1024) / line.length);
    const { extracted } = await processBytes('big.log', line.repeat(repeats));
    expect(extracted).toMatchObject({ kind: 'text', lines: repeats, words: 4 * repeats, bytes: line.length * repeats });
  });

  it('bounds the preview to ten truncated lines', async () => {
    const long = 'é'.repeat(5000);
    const content = Array.from({ length: 50 }, (_, i) => `${i} ${long}`).join('\n');
    const { extracted } = await processBytes('wide.txt', content);
    const firstLines = extracted.firstLines as string[];

    expect(firstLines).toHaveLength(10);
    expect(firstLines[0]).toBe(`0 ${'é'.repeat(198)}…`);
    expect(firstLines.join('\n').length).toBeLessThan(4096);
  });

  it('falls back to binary for NUL bytes or invalid UTF-8', async () => {
    expect((await processBytes('nul.txt', 'abc\0def')).extracted.kind).toBe('binary');
    const invalid = await processBytes('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expect(invalid.detectedType).toBeNull();
    expect(invalid.extracted.kind).toBe('binary');
  });

  it('counts words and lines as `wc` does, however the bytes are cut into chunks and wherever they lie in memory (property)', () => {
    // Spaces, the other whitespace bytes and a few others, so that runs of each are common.
    const byte = fc.constantFrom(0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x41, 0x7a, 0xc3, 0xa9, 0x00, 0xff);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(byte, { maxLength: 40 }), fc.nat(3))), (pieces) => {
        const stats = new TextStats();
        for (const [bytes, shift] of pieces) {
          // The chunk starts `shift` bytes into its buffer: at odd and even addresses alike.
          const memory = Buffer.alloc(bytes.length + shift);
          memory.set(bytes, shift);
          stats.consume(memory.subarray(shift));
        }
        const all = pieces.flatMap(([bytes]) => bytes);
        const whitespace = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);
        const expected = all.filter((b, i) => !whitespace.has(b) && (i === 0 || whitespace.has(all[i - 1]!))).length;
        const summary = stats.summary();
        expect(summary.words).toBe(expected);
        // A last line without a newline counts too (see summary).
        const newlines = all.filter((b) => b === 0x0a).length;
        expect(summary.lines).toBe(newlines + (all.length > 0 && all.at(-1) !== 0x0a ? 1 : 0));
      }),
      { numRuns: 500 },
    );
  });

  it('writes nothing to the derived directory', async () => {
    const { input, derivedDir } = await fixture('plain.txt', 'just text\n');
    await processFile(input);
    expect(existsSync(derivedDir)).toBe(false);
  });
});
