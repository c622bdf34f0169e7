import fc from 'fast-check';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { processFile, ProcessingError } from '../../src/jobs/processors/index.js';
import { rssOf, sampleMax, treeRssOf } from '../helpers/hostile.js';
import { fixture } from './fixtures.js';
import { buildIso, buildSingleStripTiff, buildTar, buildZip, paxRecord } from './formatBuilders.js';

const MB = 1_000_000;
// Each image is decoded by a process of its own (about half a second of CPU under tsx): runs stay few.
const RUNS = Number(process.env.HOSTILE_RUNS ?? 25);

/**
 * The processors over broken and lying files: truncated at any point, bytes flipped anywhere, and
 * header fields set to what a hostile file would claim (huge dimensions, counts, sizes, offsets).
 * Every outcome is a result or a ProcessingError with a one-line message; memory stays bounded
 * (image decoding runs in child processes, counted here too).
 */
describe('processors over malformed inputs', () => {
  const valid: Record<string, Buffer> = {};
  beforeAll(async () => {
    const pixels = () =>
      sharp({ create: { width: 64, height: 48, channels: 3, background: '#123456', noise: { type: 'gaussian', mean: 100, sigma: 30 } } });
    valid['x.png'] = await pixels().png().toBuffer();
    valid['i.png'] = await pixels().png({ progressive: true }).toBuffer();
    valid['x.jpg'] = await pixels().jpeg().toBuffer();
    valid['p.jpg'] = await pixels().jpeg({ progressive: true }).toBuffer();
    valid['x.gif'] = await pixels().gif().toBuffer();
    valid['x.webp'] = await pixels().webp().toBuffer();
    valid['x.tif'] = await buildSingleStripTiff(64, 48);
    valid['x.zip'] = buildZip({ 'a.txt': 'hello', 'b/c.txt': 'world' });
    valid['z64.zip'] = buildZip({ 'a.txt': 'hello' }, { zip64: true });
    valid['x.tar'] = buildTar([
      { name: 'a.txt', content: 'hello' },
      { name: 'pax', type: 'x', content: paxRecord('size', '5') },
      { name: 'b.txt', content: 'world' },
    ]);
    valid['x.iso'] = buildIso([{ type: 1, label: 'DISK', systemId: 'LINUX' }, { type: 255 }]);
  });

  /** Runs one file through processFile; anything but a result or a clean ProcessingError fails. */
  async function survives(name: string, bytes: Buffer): Promise<void> {
    const { input } = await fixture(name, bytes);
    try {
      const result = await processFile(input);
      expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    } catch (error) {
      expect(error, `${name}: ${String(error)}`).toBeInstanceOf(ProcessingError);
      // One line for a person: no stack, and no server path (the fixture lives under the temp dir).
      expect((error as Error).message).not.toMatch(/\n/);
      expect((error as Error).message).not.toContain(input.path.split('/').slice(0, -1).join('/'));
    }
  }

  const kinds = () => fc.constantFrom(...Object.keys(valid));

  /** Overwrites `at` with `value` as an unsigned integer of `bytes` bytes (clamped to the file). */
  function poke(file: Buffer, at: number, bytes: number, value: bigint, bigEndian: boolean): Buffer {
    const out = Buffer.from(file);
    for (let i = 0; i < bytes && at + i < out.length; i++) {
      const shift = BigInt(8 * (bigEndian ? bytes - 1 - i : i));
      out[at + i] = Number((value >> shift) & 0xffn);
    }
    return out;
  }

  it('handles files cut at any point or with bytes flipped anywhere, in bounded memory', async () => {
    const baseline = await rssOf(process.pid);
    const peak = sampleMax(() => rssOf(process.pid), 20);
    const treePeak = sampleMax(() => treeRssOf(process.pid), 20);
    await fc.assert(
      fc.asyncProperty(
        kinds(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        async (name, cut, flips) => {
          const file = Buffer.from(valid[name]!);
          for (const [where, byte] of flips) file[Math.floor(where * file.length)] = byte;
          await survives(name, file.subarray(0, Math.max(1, Math.ceil(cut * file.length))));
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect((await peak.stop()) - baseline).toBeLessThan(150 * MB);
    expect(await treePeak.stop()).toBeLessThan(baseline + 500 * MB);
  }, 240_000);

  it('handles header fields that lie: huge dimensions, counts, sizes and offsets', async () => {
    const huge = fc.constantFrom(0n, 1n, 0x7fffn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0xffffffffffffffffn, 65500n, 100000n);
    // Where each format keeps the numbers a reader trusts: [offset, width in bytes, big-endian].
    const fields: Record<string, Array<[number, number, boolean]>> = {
      'x.png': [
        [16, 4, true],
        [20, 4, true],
        [24, 1, true],
        [25, 1, true],
        [28, 1, true],
        [8, 4, true],
      ],
      'i.png': [
        [16, 4, true],
        [20, 4, true],
        [24, 1, true],
        [8, 4, true],
      ],
      // SOF dimensions are searched for below; these are the APP0 length and the first segment length.
      'x.jpg': [
        [4, 2, true],
        [20, 2, true],
      ],
      'p.jpg': [
        [4, 2, true],
        [20, 2, true],
      ],
      'x.gif': [
        [6, 2, false],
        [8, 2, false],
        [10, 1, false],
      ],
      'x.webp': [
        [4, 4, false],
        [16, 4, false],
        [26, 2, false],
        [28, 2, false],
      ],
      'x.tif': [
        [4, 4, false],
        [8, 2, false],
        [18, 4, false],
        [30, 4, false],
        [78, 4, false],
        [102, 4, false],
        [114, 4, false],
      ],
      'x.tar': [
        [124, 12, true],
        [148, 8, true],
        [512 + 512 + 124, 12, true],
      ],
    };
    await fc.assert(
      fc.asyncProperty(kinds(), fc.nat(), huge, fc.boolean(), async (name, pick, value, ascii) => {
        const file = valid[name]!;
        let lied: Buffer;
        if (name.endsWith('.jpg')) {
          // The frame header (SOF0 or SOF2): precision, height, width.
          const sof = file.findIndex((b, i) => b === 0xff && (file[i + 1] === 0xc0 || file[i + 1] === 0xc2));
          lied = poke(file, sof + 5 + (pick % 2) * 2, 2, value, true);
        } else if (name.endsWith('.zip')) {
          // End of central directory: entry counts, directory size and offset, comment length.
          const eocd = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
          const [at, bytes] = (
            [
              [8, 2],
              [10, 2],
              [12, 4],
              [16, 4],
              [20, 2],
            ] as const
          )[pick % 5]!;
          lied = poke(file, eocd + at, bytes, value, false);
          const locator = file.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x07]));
          if (locator >= 0 && pick % 2 === 0) lied = poke(lied, locator + 8, 8, value, false);
        } else if (name.endsWith('.iso')) {
          // Primary volume descriptor: block count and block size, both byte orders.
          const at = 16 * 2048 + ([80, 84, 128, 130] as const)[pick % 4]!;
          lied = poke(file, at, at >= 16 * 2048 + 128 ? 2 : 4, value, at % 4 !== 0);
        } else if (name.endsWith('.tar') && ascii) {
          // Octal text, as tar stores sizes, including values no real header has.
          const [at] = fields['x.tar']![pick % 3]!;
          lied = Buffer.from(file);
          lied.write(`${value.toString(8).padStart(11, '0').slice(-11)}\0`, at, 'latin1');
        } else {
          const [at, bytes, bigEndian] = fields[name]![pick % fields[name]!.length]!;
          lied = poke(file, at, bytes, value, bigEndian);
        }
        await survives(name, lied);
      }),
      { numRuns: RUNS * 2 },
    );
  }, 240_000);
});
