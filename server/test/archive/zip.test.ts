import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZipArchive, type ZipEntry } from '../../src/archive/zip.js';
import { ZIP_TOOLS, pythonEntries, sevenZipTest, unzipTest } from '../helpers/zipTools.js';

const run = promisify(execFile);

interface FileEntry extends ZipEntry {
  path: string;
}

interface MemoryEntry extends ZipEntry {
  data: Buffer;
}

const fromDisk = (entry: FileEntry, start: number, end: number) => createReadStream(entry.path, { start, end });

/** An entry's bytes from memory in chunks of random sizes, so chunk edges fall anywhere. */
function fromMemory(entry: MemoryEntry, start: number, end: number): Readable {
  const slice = entry.data.subarray(start, end + 1);
  return Readable.from(
    (function* () {
      for (let at = 0; at < slice.length; ) {
        const length = 1 + Math.floor(Math.random() * 5000);
        yield slice.subarray(at, at + length);
        at += length;
      }
    })(),
  );
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const openFds = async () => (await readdir('/proc/self/fd')).length;

const MODIFIED = new Date('2026-11-27T10:11:12Z');

describe('ZipArchive', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dropline-zip-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Real files on disk for `names`, with random contents of the given sizes. */
  async function filesOnDisk(specs: Array<[name: string, size: number]>): Promise<FileEntry[]> {
    const folder = await mkdtemp(path.join(dir, 'files-'));
    return Promise.all(
      specs.map(async ([name, size], i) => {
        const data = randomBytes(size);
        const file = path.join(folder, String(i));
        await writeFile(file, data);
        return { name, size, crc32: crc32(data), modifiedAt: MODIFIED, path: file };
      }),
    );
  }

  const memoryEntries = (specs: Array<[name: string, size: number]>): MemoryEntry[] =>
    specs.map(([name, size]) => {
      const data = randomBytes(size);
      return { name, size, crc32: crc32(data), modifiedAt: MODIFIED, data };
    });

  async function written(zip: ZipArchive<FileEntry>): Promise<string> {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.zip`);
    await writeFile(file, zip.stream(fromDisk));
    return file;
  }

  describe.skipIf(!ZIP_TOOLS)('passes unzip -t, 7z t and Python zipfile', () => {
    it('with UTF-8 names, empty files, duplicate and unsafe names, exactly as long as announced', { timeout: 60_000 }, async () => {
      const entries = await filesOnDisk([
        ['report.pdf', 100_000],
        ['empty.txt', 0],
        ['Grüße aus Köln.txt', 10],
        ['日本語のファイル.bin', 1],
        ['🎉 party.png', 70_000],
        ['a.txt', 5],
        ['a.txt', 6],
        ['A.TXT', 7],
        ['a (1).txt', 8],
        ['.env', 3],
        ['.env', 4],
        ['../../etc/evil.sh', 9],
        ['/absolute/path.txt', 11],
        ['C:\\Windows\\system.dll', 12],
        ['..', 13],
        ['', 14],
        ['tab\there.txt', 15],
      ]);
      const zip = new ZipArchive(entries);
      expect(zip.names).toEqual([
        'report.pdf',
        'empty.txt',
        'Grüße aus Köln.txt',
        '日本語のファイル.bin',
        '🎉 party.png',
        'a.txt',
        'a (1).txt',
        'A (2).TXT',
        'a (1) (1).txt',
        '.env',
        '.env (1)',
        'etc/evil.sh',
        'absolute/path.txt',
        'Windows/system.dll',
        'file',
        'file (1)',
        'tab_here.txt',
      ]);
      const file = await written(zip);
      const bytes = await readFile(file);
      expect(bytes.length).toBe(zip.size);

      await unzipTest(file);
      const sevenZip = await sevenZipTest(file);
      expect(sevenZip).toContain(`Files: ${entries.length}`);
      const seen = await pythonEntries(file);
      expect(seen).toEqual(
        entries.map((entry, i) => ({
          name: zip.names[i],
          size: entry.size,
          crc32: entry.crc32,
          readCrc32: entry.crc32,
          compressType: 0,
          utf8: true,
        })),
      );

      // Extracted by a real tool, everything lands inside the target folder, with its bytes.
      const target = path.join(dir, 'extracted');
      await mkdir(target);
      await run('unzip', ['-q', file, '-d', target]);
      for (const [i, entry] of entries.entries()) {
        expect(await readFile(path.join(target, zip.names[i]!))).toEqual(await readFile(entry.path));
      }
      const extracted = (await readdir(target, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      expect(extracted).toHaveLength(entries.length);
      // The timestamp survives (DOS time, UTC, two-second steps).
      const { stdout } = await run('python3', ['-c', 'import sys,zipfile; print(zipfile.ZipFile(sys.argv[1]).infolist()[0].date_time)', file]);
      expect(stdout.trim()).toBe('(2026, 11, 27, 10, 11, 12)');
    });

    it('with no entries: the 22-byte empty archive every tool knows', { timeout: 30_000 }, async () => {
      const zip = new ZipArchive<FileEntry>([]);
      expect(zip.size).toBe(22);
      const file = await written(zip);
      const bytes = await readFile(file);
      expect(bytes.toString('hex')).toBe(`504b0506${'00'.repeat(18)}`);
      expect(await sevenZipTest(file)).toContain('Files: 0');
      expect(await pythonEntries(file)).toEqual([]);
      // unzip says so (with exit status 1) rather than finding a fault.
      const unzip = await run('unzip', ['-t', file]).catch((err: { stdout: string; code: number }) => err);
      expect(unzip).toMatchObject({ code: 1 });
      expect((unzip as { stdout: string }).stdout + (unzip as { stderr?: string }).stderr).toContain('zipfile is empty');
    });
  });

  it('gives the same bytes and ETag for the same entries, every time, and another ETag for other bytes', async () => {
    const entries = memoryEntries([
      ['one', 1000],
      ['two', 0],
    ]);
    const first = await collect(new ZipArchive(entries).stream(fromMemory));
    const second = await collect(new ZipArchive(entries).stream(fromMemory));
    expect(first.equals(second)).toBe(true);
    const etag = new ZipArchive(entries).etag;
    expect(etag).toMatch(/^"zip-[A-Za-z0-9_-]{27}"$/);
    expect(new ZipArchive(entries).etag).toBe(etag);
    for (const changed of [
      [{ ...entries[0]!, crc32: (entries[0]!.crc32 ^ 1) >>> 0 }, entries[1]!],
      [{ ...entries[0]!, name: 'uno' }, entries[1]!],
      [{ ...entries[0]!, modifiedAt: new Date('2020-01-01') }, entries[1]!],
      [entries[1]!, entries[0]!],
      [entries[0]!],
    ]) {
      expect(new ZipArchive(changed).etag).not.toBe(etag);
    }
  });

  it('streams any range [a, b] as exactly that slice of the whole archive', { timeout: 120_000 }, async () => {
    const entries = memoryEntries([
      ['first.bin', 20_000],
      ['empty', 0],
      ['Ünïcödé.txt', 3],
      ['first.bin', 50_000],
      ['last', 1],
    ]);
    const zip = new ZipArchive(entries);
    const whole = await collect(zip.stream(fromMemory));
    expect(whole.length).toBe(zip.size);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: zip.size - 1 }), fc.integer({ min: 0, max: zip.size - 1 }), async (x, y) => {
        const [start, end] = x <= y ? [x, y] : [y, x];
        const part = await collect(zip.stream(fromMemory, { start, end }));
        expect(part.equals(whole.subarray(start, end + 1))).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Every single byte on its own, around the end records.
    for (let at = zip.size - 120; at < zip.size; at++) {
      expect(await collect(zip.stream(fromMemory, { start: at, end: at }))).toEqual(whole.subarray(at, at + 1));
    }
  });

  it('streams the same bytes when entries open asynchronously (as stored bytes do), also for small ranges', { timeout: 60_000 }, async () => {
    const entries = memoryEntries([
      ['a.bin', 30_000],
      ['empty', 0],
      ['b.bin', 7],
      ['c.bin', 40_000],
    ]);
    const zip = new ZipArchive(entries);
    // Storage answers after a while, not at once: the archive must wait for it, not move on.
    const later = async (entry: MemoryEntry, start: number, end: number) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      return fromMemory(entry, start, end);
    };
    const whole = await collect(zip.stream(fromMemory));
    expect((await collect(zip.stream(later))).equals(whole)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: zip.size - 1 }), fc.integer({ min: 0, max: zip.size - 1 }), async (x, y) => {
        const [start, end] = x <= y ? [x, y] : [y, x];
        expect((await collect(zip.stream(later, { start, end }))).equals(whole.subarray(start, end + 1))).toBe(true);
      }),
      { numRuns: 100 },
    );
    // An entry that cannot be opened fails the archive rather than skipping the entry.
    await expect(collect(zip.stream(() => Promise.reject(new Error('gone'))))).rejects.toThrow('gone');
  });

  it('resumes: the bytes of an interrupted download, then the rest from there, are the uninterrupted archive', { timeout: 120_000 }, async () => {
    const entries = await filesOnDisk([
      ['video.mp4', 300_000],
      ['notes.txt', 0],
      ['photo.jpg', 200_000],
    ]);
    const zip = new ZipArchive(entries);
    const whole = await collect(zip.stream(fromDisk));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: zip.size - 1 }), async (k) => {
        // The first download is cut as soon as it has k bytes; the client kept exactly those.
        const received: Buffer[] = [];
        let length = 0;
        const first = zip.stream(fromDisk);
        for await (const chunk of first) {
          received.push(chunk as Buffer);
          length += (chunk as Buffer).length;
          if (length >= k) break;
        }
        const kept = Buffer.concat(received).subarray(0, k);
        const rest = await collect(zip.stream(fromDisk, { start: k, end: zip.size - 1 }));
        expect(Buffer.concat([kept, rest]).equals(whole)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('reads entry data only as fast as it is consumed (backpressure)', { timeout: 60_000 }, async () => {
    const size = 64 * 1024 * 1024;
    let produced = 0;
    const entry = { name: 'big', size, crc32: 0, modifiedAt: MODIFIED };
    const zip = new ZipArchive([entry]);
    const block = Buffer.alloc(64 * 1024);
    const stream = zip.stream(() =>
      Readable.from(
        (function* () {
          for (let sent = 0; sent < size; sent += block.length) {
            produced += block.length;
            yield block;
          }
        })(),
      ),
    );
    let consumed = 0;
    let furthestAhead = 0;
    for await (const chunk of stream) {
      consumed += (chunk as Buffer).length;
      furthestAhead = Math.max(furthestAhead, produced - consumed);
      // A slow reader: a pause now and then lets a source that ignores backpressure run ahead.
      if (consumed % (4 * 1024 * 1024) < block.length) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(consumed).toBe(zip.size);
    expect(furthestAhead).toBeLessThan(2 * 1024 * 1024);
  });

  it('closes the entry being read when the response is aborted: no file descriptor left open', { timeout: 60_000 }, async () => {
    const entries = await filesOnDisk([
      ['one.bin', 8 * 1024 * 1024],
      ['two.bin', 8 * 1024 * 1024],
    ]);
    const zip = new ZipArchive(entries);
    const sources: Readable[] = [];
    let served: Promise<unknown> = Promise.resolve();
    const server = http.createServer((_req, res) => {
      res.setHeader('content-length', zip.size);
      served = pipeline(
        zip.stream((entry, start, end) => {
          const source = fromDisk(entry, start, end);
          sources.push(source);
          return source;
        }),
        res,
      ).catch((err: Error) => err);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const before = await openFds();
      await new Promise<void>((resolve, reject) => {
        const req = http.get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, (res) => {
          let received = 0;
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            // Well into the first file, the client goes away.
            if (received > 1024 * 1024) {
              req.destroy();
              resolve();
            }
          });
        });
        req.on('error', (err) => (err.message === 'socket hang up' ? undefined : reject(err)));
      });
      expect(await served).toBeInstanceOf(Error);
      expect(sources).toHaveLength(1);
      const [source] = sources;
      if (!source!.closed) await once(source!, 'close');
      // Destroyed where it stood, not read to its end.
      expect(source!.destroyed).toBe(true);
      expect(source!.readableEnded).toBe(false);
      // Give the fd close its turn on the thread pool, then count.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await openFds()).toBeLessThanOrEqual(before);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('fails, rather than producing a corrupt archive, when an entry has fewer or more bytes than its size', async () => {
    const [entry] = memoryEntries([['short', 1000]]);
    const zip = new ZipArchive([entry!]);
    await expect(collect(zip.stream((e) => Readable.from([e.data.subarray(0, 10)])))).rejects.toThrow(/fewer bytes/);
    await expect(collect(zip.stream((e) => Readable.from([e.data, Buffer.from('x')])))).rejects.toThrow(/more bytes/);
    await expect(
      collect(
        zip.stream(
          () =>
            new Readable({
              read() {
                this.destroy(new Error('disk gone'));
              },
            }),
        ),
      ),
    ).rejects.toThrow('disk gone');
  });

  it('refuses ranges outside the archive and entries it cannot describe', () => {
    const zip = new ZipArchive(memoryEntries([['a', 10]]));
    expect(() => zip.stream(fromMemory, { start: 0, end: zip.size })).toThrow(RangeError);
    expect(() => zip.stream(fromMemory, { start: 5, end: 4 })).toThrow(RangeError);
    expect(() => zip.stream(fromMemory, { start: -1, end: 4 })).toThrow(RangeError);
    expect(() => new ZipArchive([{ name: 'a', size: -1, crc32: 0, modifiedAt: MODIFIED }])).toThrow(RangeError);
    expect(() => new ZipArchive([{ name: 'a', size: 1, crc32: 2 ** 32, modifiedAt: MODIFIED }])).toThrow(RangeError);
  });
});
