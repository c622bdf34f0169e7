import { crc32 } from 'node:zlib';

// Byte-level builders for formats sharp cannot produce, so no binary fixtures are committed.

// --- ISO 9660 -------------------------------------------------------------

const SECTOR = 2048;

export interface IsoDescriptor {
  type: number;
  label?: string;
  systemId?: string;
  blockCount?: number;
}

/** A file holding only a volume descriptor set starting at sector 16. */
export function buildIso(descriptors: IsoDescriptor[], totalSectors = 32): Buffer {
  const image = Buffer.alloc(totalSectors * SECTOR);
  descriptors.forEach((descriptor, index) => {
    const at = (16 + index) * SECTOR;
    image[at] = descriptor.type;
    image.write('CD001', at + 1, 'latin1');
    image[at + 6] = 1;
    if (descriptor.type !== 1) return;
    image.write((descriptor.systemId ?? '').padEnd(32, ' '), at + 8, 'latin1');
    image.write((descriptor.label ?? '').padEnd(32, ' '), at + 40, 'latin1');
    const blockCount = descriptor.blockCount ?? totalSectors;
    image.writeUInt32LE(blockCount, at + 80);
    image.writeUInt32BE(blockCount, at + 84);
    image.writeUInt16LE(SECTOR, at + 128);
    image.writeUInt16BE(SECTOR, at + 130);
  });
  return image;
}

// --- ZIP --------------------------------------------------------------------

/** A zip of stored (uncompressed) entries, optionally with a comment or ZIP64 end records. */
export function buildZip(entries: Record<string, string>, options: { comment?: string; zip64?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(content);
    const crc = crc32(data);

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + data.length;
  }

  const count = Object.keys(entries).length;
  const centralDirectory = Buffer.concat(centrals);
  const comment = Buffer.from(options.comment ?? '');
  const end: Buffer[] = [];

  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(centralDirectory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + centralDirectory.length), 8);
    locator.writeUInt32LE(1, 16);
    end.push(record, locator);
  }

  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(centralDirectory.length, 12);
  eocd.writeUInt32LE(options.zip64 ? 0xffffffff : offset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  end.push(eocd, comment);

  return Buffer.concat([...locals, centralDirectory, ...end]);
}

// --- tar --------------------------------------------------------------------

const BLOCK = 512;

export interface TarMember {
  name: string;
  content: string;
  /** Defaults to '0', a regular file. */
  type?: string;
}

/** A ustar archive, with the two zero blocks that mark its end. */
export function buildTar(members: TarMember[]): Buffer {
  const blocks: Buffer[] = [];
  for (const member of members) {
    const data = Buffer.from(member.content);
    blocks.push(tarHeader(member.name, data.length, member.type ?? '0'));
    blocks.push(Buffer.concat([data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK)]));
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

/** A pax extended header record: "<length> <key>=<value>\n", the length counting itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length++;
  return `${length}${body}`;
}

function tarHeader(name: string, size: number, type: string): Buffer {
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100, 'latin1');
  header.write('0000000\0', 108, 'latin1');
  header.write('0000000\0', 116, 'latin1');
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  header.write('00000000000\0', 136, 'latin1');
  header.write('        ', 148, 'latin1');
  header.write(type, 156, 'latin1');
  header.write('ustar\0' + '00', 257, 'latin1');
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return header;
}

// --- TIFF -------------------------------------------------------------------

/**
 * An RGB TIFF whose pixels are all zero, stored as one deflated strip: libtiff must inflate the
 * whole strip (width x height x 3 bytes) to hand out its first row, whatever the file's size.
 */
export async function buildSingleStripTiff(width: number, height: number): Promise<Buffer> {
  const { createDeflate } = await import('node:zlib');
  const deflate = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  const row = Buffer.alloc(width * 3);
  for (let y = 0; y < height; y++) if (!deflate.write(row)) await new Promise((r) => deflate.once('drain', r));
  deflate.end();
  await done;
  const strip = Buffer.concat(chunks);

  const SHORT = 3;
  const LONG = 4;
  const entries: Array<[tag: number, type: number, count: number, value: number]> = [];
  const ifdOffset = 8;
  const entryCount = 10;
  const bitsOffset = ifdOffset + 2 + entryCount * 12 + 4;
  const stripOffset = bitsOffset + 6;
  entries.push(
    [256, LONG, 1, width],
    [257, LONG, 1, height],
    [258, SHORT, 3, bitsOffset],
    [259, SHORT, 1, 8], // Adobe deflate
    [262, SHORT, 1, 2], // RGB
    [273, LONG, 1, stripOffset],
    [277, SHORT, 1, 3],
    [278, LONG, 1, height], // the whole image in one strip
    [279, LONG, 1, strip.length],
    [284, SHORT, 1, 1],
  );
  const head = Buffer.alloc(stripOffset);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(ifdOffset, 4);
  head.writeUInt16LE(entryCount, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const at = ifdOffset + 2 + i * 12;
    head.writeUInt16LE(tag, at);
    head.writeUInt16LE(type, at + 2);
    head.writeUInt32LE(count, at + 4);
    if (type === SHORT && count === 1) head.writeUInt16LE(value, at + 8);
    else head.writeUInt32LE(value, at + 8);
  });
  for (let i = 0; i < 3; i++) head.writeUInt16LE(8, bitsOffset + i * 2);
  return Buffer.concat([head, strip]);
}
