import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipArchive, type ZipEntry } from '../../src/archive/zip.js';
import { ZIP_TOOLS, pythonEntries, sevenZipTest, unzipTest } from '../helpers/zipTools.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MODIFIED = new Date('2026-11-27T00:00:00Z');

interface FileEntry extends ZipEntry {
  path: string;
}

const fromDisk = (entry: FileEntry, start: number, end: number) => createReadStream(entry.path, { start, end, highWaterMark: MiB });

async function crc32OfFile(file: string): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) crc = crc32(chunk as Buffer, crc);
  return crc;
}

/** Writes a stream to `file`, skipping runs of zeros, so an archive of a sparse file is sparse too and costs no disk. */
async function writeSparse(stream: Readable, file: string): Promise<void> {
  const handle = await open(file, 'w');
  const zeros = Buffer.alloc(4 * MiB);
  let position = 0;
  try {
    await pipeline(
      stream,
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          const at = position;
          position += chunk.length;
          if (chunk.length <= zeros.length && chunk.equals(zeros.subarray(0, chunk.length))) return done();
          handle.write(chunk, 0, chunk.length, at).then(() => done(), done);
        },
      }),
    );
    await handle.truncate(position);
  } finally {
    await handle.close();
  }
}

/** The 4-byte record signatures the ZIP64 end records start with, and whether the file holds them. */
const ZIP64_END = Buffer.from([0x50, 0x4b, 0x06, 0x06]);
const ZIP64_LOCATOR = Buffer.from([0x50, 0x4b, 0x06, 0x07]);

describe.skipIf(!ZIP_TOOLS)('ZIP64', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dropline-zip64-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'over 4 GiB (a 4.5 GiB sparse file between others): sizes and offsets past 32 bits pass 7z t, Python zipfile and unzip -t',
    { timeout: 900_000 },
    async () => {
      const big = path.join(dir, 'big.bin');
      await writeFile(big, '');
      await truncate(big, 4.5 * GiB);
      // Some real bytes at the start, across the 4 GiB line and at the end, so the CRC covers more than zeros.
      const handle = await open(big, 'r+');
      for (const at of [0, 4 * GiB - 512 * 1024, 4.5 * GiB - MiB]) await handle.write(randomBytes(MiB), 0, MiB, at);
      await handle.close();
      const small = async (name: string, size: number): Promise<FileEntry> => {
        const data = randomBytes(size);
        const file = path.join(dir, name);
        await writeFile(file, data);
        return { name, size, crc32: crc32(data), modifiedAt: MODIFIED, path: file };
      };
      const entries: FileEntry[] = [
        await small('before.txt', 1000),
        { name: 'big.bin', size: 4.5 * GiB, crc32: await crc32OfFile(big), modifiedAt: MODIFIED, path: big },
        // Its local header lies past 4 GiB: the central header's ZIP64 extra carries the offset.
        await small('after.txt', 2000),
        await small('empty', 0),
      ];
      const zip = new ZipArchive(entries);
      const archive = path.join(dir, 'big.zip');
      await writeSparse(zip.stream(fromDisk), archive);
      expect((await stat(archive)).size).toBe(zip.size);

      const seen = await pythonEntries(archive);
      expect(seen).toEqual(entries.map((e) => ({ name: e.name, size: e.size, crc32: e.crc32, readCrc32: e.crc32, compressType: 0, utf8: true })));
      expect(await sevenZipTest(archive)).toContain('Files: 4');
      await unzipTest(archive);

      // The central directory and end records, asked for as a range, are the file's last bytes.
      const tail = 2000;
      const read = async (start: number, end: number) => {
        const chunks: Buffer[] = [];
        for await (const chunk of zip.stream(fromDisk, { start, end })) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      };
      const onDisk = async (start: number, length: number) => {
        const h = await open(archive, 'r');
        try {
          const buffer = Buffer.alloc(length);
          await h.read(buffer, 0, length, start);
          return buffer;
        } finally {
          await h.close();
        }
      };
      const end = await read(zip.size - tail, zip.size - 1);
      expect(end.equals(await onDisk(zip.size - tail, tail))).toBe(true);
      expect(end.includes(ZIP64_END) && end.includes(ZIP64_LOCATOR)).toBe(true);
      // A range across the 4 GiB line.
      const across = await read(4 * GiB - 300_000, 4 * GiB + 300_000);
      expect(across.equals(await onDisk(4 * GiB - 300_000, 600_001))).toBe(true);
    },
  );

  it('with more than 65,535 entries: the count goes in the ZIP64 end record', { timeout: 600_000 }, async () => {
    const count = 70_000;
    const entries = Array.from({ length: count }, (_, i) => {
      const data = Buffer.from(`${i}\n`);
      return { name: `file-${i}.txt`, size: data.length, crc32: crc32(data), modifiedAt: MODIFIED, data };
    });
    const zip = new ZipArchive(entries);
    const chunks: Buffer[] = [];
    for await (const chunk of zip.stream((entry, start, end) => Readable.from([entry.data.subarray(start, end + 1)]))) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(zip.size);
    const archive = path.join(dir, 'many.zip');
    await writeFile(archive, bytes);

    // The 32-bit end record says "see ZIP64" (0xFFFF entries); the ZIP64 one holds the count.
    const endRecord = bytes.subarray(bytes.length - 22);
    expect(endRecord.readUInt16LE(10)).toBe(0xffff);
    const zip64End = bytes.subarray(bytes.length - 22 - 20 - 56);
    expect(zip64End.subarray(0, 4)).toEqual(ZIP64_END);
    expect(Number(zip64End.readBigUInt64LE(32))).toBe(count);

    const seen = await pythonEntries(archive);
    expect(seen).toHaveLength(count);
    expect(seen.every((e, i) => e.name === `file-${i}.txt` && e.readCrc32 === entries[i]!.crc32)).toBe(true);
    expect(await sevenZipTest(archive)).toContain(`Files: ${count}`);
    expect(await unzipTest(archive)).toContain(`file-${count - 1}.txt`);
    expect((await readFile(archive)).equals(bytes)).toBe(true);
  });
});
