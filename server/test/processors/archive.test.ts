import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { processBytes } from './fixtures.js';
import { buildTar, buildZip, paxRecord } from './formatBuilders.js';

const entries = { 'a.txt': 'alpha', 'b/c.txt': 'bravo charlie', 'd.txt': '' };

describe('zip archives', () => {
  it('counts entries from the end of central directory record', async () => {
    const { detectedType, extracted } = await processBytes('files.zip', buildZip(entries));
    expect(detectedType).toBe('application/zip');
    expect(extracted).toMatchObject({ kind: 'archive', archive: { format: 'zip', entries: 3 } });
  });

  it('finds the record behind an archive comment', async () => {
    const { extracted } = await processBytes('commented.zip', buildZip(entries, { comment: 'PK\x05\x06 lookalike '.repeat(100) }));
    expect(extracted.archive).toEqual({ format: 'zip', entries: 3 });
  });

  it('takes the count from the ZIP64 record when the classic one is saturated', async () => {
    const { extracted } = await processBytes('big.zip', buildZip(entries, { zip64: true }));
    expect(extracted.archive).toEqual({ format: 'zip', entries: 3 });
  });

  it('notes a zip whose end records are missing', async () => {
    const truncated = buildZip(entries).subarray(0, 60);
    const { extracted } = await processBytes('cut.zip', truncated);
    expect(extracted.archive).toMatchObject({ format: 'zip', note: expect.stringMatching(/truncated/) });
    expect(extracted.archive).not.toHaveProperty('entries');
  });
});

describe('tar archives', () => {
  it('counts members, not the pax headers describing them', async () => {
    const tar = buildTar([
      { name: 'a.txt', content: 'alpha' },
      { name: 'PaxHeaders/b', content: paxRecord('path', 'long/b.txt'), type: 'x' },
      { name: 'b.txt', content: 'x'.repeat(1000) },
      { name: 'dir/', content: '', type: '5' },
    ]);
    const { detectedType, extracted } = await processBytes('bundle.tar', tar);

    expect(detectedType).toBe('application/x-tar');
    expect(extracted).toMatchObject({ kind: 'archive', archive: { format: 'tar', entries: 3, complete: true } });
  });

  it('honours a pax size record when skipping member content', async () => {
    // The header's own size field is wrong on purpose; only the pax record tells the truth.
    const tar = buildTar([
      { name: 'PaxHeaders/big', content: paxRecord('size', '1024'), type: 'x' },
      { name: 'big.bin', content: 'y'.repeat(1024) },
      { name: 'after.txt', content: 'after' },
    ]);
    tar.write('00000000000\0', 512 * 2 + 124, 'latin1');
    fixChecksum(tar, 512 * 2);

    const { extracted } = await processBytes('pax.tar', tar);
    expect(extracted.archive).toMatchObject({ entries: 2, complete: true });
  });

  it('reports a truncated archive with what it could count', async () => {
    const tar = buildTar([
      { name: 'a.txt', content: 'alpha' },
      { name: 'b.txt', content: 'z'.repeat(4096) },
    ]);
    const { extracted } = await processBytes('cut.tar', tar.subarray(0, 1536));
    expect(extracted.archive).toEqual({ format: 'tar', entries: 2, complete: false, note: 'The archive is truncated' });
  });
});

describe('compressed streams', () => {
  it('notes gzip without decompressing it', async () => {
    const { detectedType, extracted } = await processBytes('data.gz', gzipSync(Buffer.from('some text '.repeat(100))));
    expect(detectedType).toBe('application/gzip');
    expect(extracted).toMatchObject({ kind: 'archive', archive: { format: 'gzip', compressed: true } });
  });
});

function fixChecksum(archive: Buffer, headerStart: number): void {
  const header = archive.subarray(headerStart, headerStart + 512);
  header.write('        ', 148, 'latin1');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
