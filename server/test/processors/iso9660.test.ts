import { describe, expect, it } from 'vitest';
import { processBytes } from './fixtures.js';
import { buildIso, buildZip } from './formatBuilders.js';

const ISO_MIME = 'application/x-iso9660-image';

describe('ISO 9660 images', () => {
  it('reads label, system id and volume size from the primary volume descriptor', async () => {
    const image = buildIso([{ type: 1, label: 'DROPLINE_TEST', systemId: 'LINUX', blockCount: 40 }, { type: 255 }]);
    // Named neutrally: the CD001 signature alone identifies it.
    const { detectedType, extracted } = await processBytes('upload.bin', image);

    expect(detectedType).toBe(ISO_MIME);
    expect(extracted).toMatchObject({
      kind: 'iso',
      detectedType: ISO_MIME,
      iso: { valid: true, label: 'DROPLINE_TEST', systemId: 'LINUX', blockSize: 2048, volumeBytes: 40 * 2048 },
    });
  });

  it('finds the primary descriptor after a boot record', async () => {
    const image = buildIso([{ type: 0 }, { type: 1, label: 'BOOTABLE' }, { type: 255 }]);
    const { extracted } = await processBytes('boot.iso', image);
    expect(extracted.iso).toMatchObject({ valid: true, label: 'BOOTABLE' });
  });

  it('reports an .iso without a primary volume descriptor instead of failing', async () => {
    const { detectedType, extracted } = await processBytes('fake.iso', Buffer.alloc(64 * 1024));

    expect(detectedType).toBeNull();
    expect(extracted).toEqual({
      kind: 'iso',
      claimedType: null,
      detectedType: null,
      iso: { valid: false, note: 'No ISO 9660 primary volume descriptor found' },
    });
  });

  it('trusts a declared ISO type as much as the file name', async () => {
    const { extracted } = await processBytes('disk', Buffer.alloc(1000), { claimedType: ISO_MIME });
    expect(extracted).toMatchObject({ kind: 'iso', iso: { valid: false } });
  });

  it('lets a recognised binary format win over an .img name', async () => {
    const { extracted } = await processBytes('archive.img', buildZip({ 'a.txt': 'a' }));
    expect(extracted.kind).toBe('archive');
  });

  it('prefers an .img name over the plain-text guess', async () => {
    const { detectedType, extracted } = await processBytes('notes.img', 'plain text after all\n');
    expect(detectedType).toBe('text/plain');
    expect(extracted).toMatchObject({ kind: 'iso', iso: { valid: false } });
  });
});
