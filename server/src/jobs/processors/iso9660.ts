export const ISO_MIME = 'application/x-iso9660-image';

const SECTOR = 2048;
const FIRST_DESCRIPTOR_SECTOR = 16;
const STANDARD_ID = 'CD001';
const PRIMARY_VOLUME = 1;
const SET_TERMINATOR = 255;

export type IsoSummary = { valid: true; label: string; systemId: string; blockSize: number; volumeBytes: number } | { valid: false; note: string };

/** The `CD001` standard identifier of the first volume descriptor (byte 32769). */
export function hasIsoSignature(head: Uint8Array): boolean {
  return descriptorAt(head, FIRST_DESCRIPTOR_SECTOR) !== null;
}

/**
 * Walks the volume descriptor set for the Primary Volume Descriptor. `head`
 * is the start of the file; real images put the PVD in the first couple of
 * descriptors, so looking only as far as the head reaches is enough.
 */
export function readIsoVolume(head: Uint8Array): IsoSummary {
  for (let sector = FIRST_DESCRIPTOR_SECTOR; ; sector++) {
    const descriptor = descriptorAt(head, sector);
    if (descriptor === null || descriptor[0] === SET_TERMINATOR) break;
    if (descriptor[0] !== PRIMARY_VOLUME) continue;

    // Multi-byte numbers are stored both-endian; the little-endian half is read.
    const blockCount = descriptor.readUInt32LE(80);
    const blockSize = descriptor.readUInt16LE(128);
    return {
      valid: true,
      label: readIdentifier(descriptor, 40, 32),
      systemId: readIdentifier(descriptor, 8, 32),
      blockSize,
      volumeBytes: blockCount * blockSize,
    };
  }
  return { valid: false, note: 'No ISO 9660 primary volume descriptor found' };
}

function descriptorAt(head: Uint8Array, sector: number): Buffer | null {
  const start = sector * SECTOR;
  if (head.length < start + SECTOR) return null;
  const descriptor = Buffer.from(head.buffer, head.byteOffset + start, SECTOR);
  return descriptor.toString('latin1', 1, 6) === STANDARD_ID ? descriptor : null;
}

// Identifiers are space-padded, though some mastering tools pad with NULs.
function readIdentifier(descriptor: Buffer, offset: number, length: number): string {
  return descriptor
    .toString('latin1', offset, offset + length)
    .replace(/\0+$/, '')
    .trim();
}
