import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CENTRAL_HEADER,
  END_RECORD,
  ENTRY_FIELDS,
  EXTRA_HEADER,
  LOCAL_HEADER,
  MAX_16,
  MAX_32,
  UTF8_NAMES,
  VERSION_DEFAULT,
  VERSION_ZIP64,
  ZIP64_END_RECORD,
  ZIP64_EXTRA_ID,
  ZIP64_LOCATOR,
} from './zipFormat.js';
import { uniqueEntryNames } from './zipNames.js';

/** One file of an archive. Its CRC-32 must be known in advance: it goes in the header before the bytes. */
export interface ZipEntry {
  name: string;
  size: number;
  /** Unsigned CRC-32 of the bytes. */
  crc32: number;
  modifiedAt: Date | string;
}

/**
 * Opens bytes `start` to `end` (inclusive, as fs.createReadStream and HTTP ranges count them) of an
 * entry's data, at once or once storage has answered. The archive never asks for an empty range.
 */
export type OpenRange<E extends ZipEntry> = (entry: E, start: number, end: number) => Readable | Promise<Readable>;

/** Bytes `start` to `end` of the archive, inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Made by Unix, so the external attributes below are read as a mode. */
const MADE_BY = (3 << 8) | VERSION_ZIP64;
/** A regular file, rw-r--r--. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
/** Enough to keep a fast consumer busy between refills without holding much per download. */
const HIGH_WATER_MARK = 256 * 1024;

interface Planned {
  name: Buffer;
  size: number;
  crc32: number;
  time: number;
  date: number;
  /** Where the local header starts. */
  offset: number;
  localLength: number;
  /** Sizes past 32 bits: a ZIP64 extra in both headers. */
  zip64Sizes: boolean;
  /** Local header past 32 bits: its offset goes in the central header's ZIP64 extra. */
  zip64Offset: boolean;
  centralOffset: number;
  centralLength: number;
}

/** A contiguous run of the archive: header bytes, made when reached, or the data of entry `entry`. */
type Piece = { offset: number; length: number } & ({ bytes: () => Buffer; entry?: undefined } | { entry: number });

/**
 * A ZIP of stored (uncompressed) files whose every byte is known from the entries alone, before
 * any data is read: the exact length up front (Content-Length), and any range of it streamed on
 * its own (Range, a resumed download). Hence no data descriptors: each local header carries the
 * CRC-32 and sizes. ZIP64 records are written only where a size, offset or count needs them, and
 * names are UTF-8 (general purpose bit 11), made safe and unique. The same entries always give
 * the same bytes.
 */
export class ZipArchive<E extends ZipEntry> {
  /** The archive's exact length in bytes. */
  readonly size: number;
  /** Each entry's name as written in the archive, in order. */
  readonly names: readonly string[];
  private readonly planned: Planned[];
  private readonly centralStart: number;
  private readonly centralEnd: number;
  private readonly zip64End: boolean;
  private tag: string | undefined;

  constructor(private readonly entries: readonly E[]) {
    this.names = uniqueEntryNames(entries.map((entry) => entry.name));
    let offset = 0;
    this.planned = entries.map((entry, i) => {
      if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new RangeError(`entry ${i} has an invalid size: ${entry.size}`);
      if (!Number.isInteger(entry.crc32) || entry.crc32 < 0 || entry.crc32 > MAX_32)
        throw new RangeError(`entry ${i} has an invalid CRC-32: ${entry.crc32}`);
      const name = Buffer.from(this.names[i]!, 'utf8');
      if (name.length > MAX_16) throw new RangeError(`entry ${i}'s name is longer than a ZIP allows`);
      const zip64Sizes = entry.size >= MAX_32;
      const zip64Offset = offset >= MAX_32;
      const localLength = LOCAL_HEADER.size + name.length + (zip64Sizes ? EXTRA_HEADER + 16 : 0);
      const centralExtra = (zip64Sizes ? 16 : 0) + (zip64Offset ? 8 : 0);
      const planned: Planned = {
        name,
        size: entry.size,
        crc32: entry.crc32,
        ...dosDateTime(entry.modifiedAt),
        offset,
        localLength,
        zip64Sizes,
        zip64Offset,
        centralOffset: 0,
        centralLength: CENTRAL_HEADER.size + name.length + (centralExtra > 0 ? EXTRA_HEADER + centralExtra : 0),
      };
      offset += localLength + entry.size;
      return planned;
    });
    this.centralStart = offset;
    for (const planned of this.planned) {
      planned.centralOffset = offset;
      offset += planned.centralLength;
    }
    this.centralEnd = offset;
    this.zip64End = this.planned.length >= MAX_16 || this.centralEnd - this.centralStart >= MAX_32 || this.centralStart >= MAX_32;
    this.size = this.centralEnd + (this.zip64End ? ZIP64_END_RECORD.size + ZIP64_LOCATOR.size : 0) + END_RECORD.size;
  }

  /**
   * A strong HTTP ETag of the archive's bytes: everything they are made of (names, sizes, CRC-32s,
   * times) goes into it, so a download resumed with If-Range gets the rest of the same archive.
   */
  get etag(): string {
    if (this.tag === undefined) {
      const hash = createHash('sha256');
      for (const p of this.planned) hash.update(`${p.size}:${p.crc32}:${p.date}:${p.time}:${p.name.length}:`).update(p.name);
      this.tag = `"zip-${hash.digest('base64url').slice(0, 27)}"`;
    }
    return this.tag;
  }

  /**
   * The bytes of `range` (the whole archive by default), reading entry data through `openRange`
   * only as the consumer takes it. Destroying the stream (an aborted response) destroys the entry
   * stream being read; an entry stream that fails, or gives more or fewer bytes than asked for,
   * fails this one.
   */
  stream(openRange: OpenRange<E>, range: ByteRange = { start: 0, end: this.size - 1 }): Readable {
    const { start, end } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end >= this.size) {
      throw new RangeError(`bytes ${start}-${end} are not within an archive of ${this.size} bytes`);
    }
    return new ZipRangeStream(this.pieces(start), (i, from, to) => openRange(this.entries[i]!, from, to), start, end + 1);
  }

  /** The archive's pieces in order, from the one holding byte `from`. */
  private *pieces(from: number): Generator<Piece> {
    const count = this.planned.length;
    if (from < this.centralStart) {
      for (let i = lastAtOrBefore(this.planned, from, (p) => p.offset); i < count; i++) {
        const p = this.planned[i]!;
        yield { offset: p.offset, length: p.localLength, bytes: () => localHeader(p) };
        yield { offset: p.offset + p.localLength, length: p.size, entry: i };
      }
    }
    if (from < this.centralEnd) {
      for (let i = from < this.centralStart ? 0 : lastAtOrBefore(this.planned, from, (p) => p.centralOffset); i < count; i++) {
        const p = this.planned[i]!;
        yield { offset: p.centralOffset, length: p.centralLength, bytes: () => centralHeader(p) };
      }
    }
    yield { offset: this.centralEnd, length: this.size - this.centralEnd, bytes: () => this.endRecords() };
  }

  /** The end of central directory record, preceded by the ZIP64 one and its locator when a count or offset needs 64 bits. */
  private endRecords(): Buffer {
    const count = this.planned.length;
    const centralSize = this.centralEnd - this.centralStart;
    const out = Buffer.alloc(this.size - this.centralEnd);
    let at = 0;
    if (this.zip64End) {
      const R = ZIP64_END_RECORD;
      out.writeUInt32LE(R.signature, 0);
      writeUInt64(out, R.size - R.recordSize - 8, R.recordSize);
      out.writeUInt16LE(MADE_BY, R.madeBy);
      out.writeUInt16LE(VERSION_ZIP64, R.versionNeeded);
      // Disk numbers are 0: one disk.
      writeUInt64(out, count, R.entriesOnDisk);
      writeUInt64(out, count, R.entries);
      writeUInt64(out, centralSize, R.centralSize);
      writeUInt64(out, this.centralStart, R.centralOffset);
      at = R.size;
      const L = ZIP64_LOCATOR;
      out.writeUInt32LE(L.signature, at);
      writeUInt64(out, this.centralEnd, at + L.recordOffset);
      out.writeUInt32LE(1, at + L.disks);
      at += L.size;
    }
    // As Python's zipfile and Info-ZIP write it: a value too large for its field is set to all ones.
    const E = END_RECORD;
    out.writeUInt32LE(E.signature, at);
    out.writeUInt16LE(Math.min(count, MAX_16), at + E.entriesOnDisk);
    out.writeUInt16LE(Math.min(count, MAX_16), at + E.entries);
    out.writeUInt32LE(Math.min(centralSize, MAX_32), at + E.centralSize);
    out.writeUInt32LE(Math.min(this.centralStart, MAX_32), at + E.centralOffset);
    return out;
  }
}

function localHeader(p: Planned): Buffer {
  const out = Buffer.alloc(p.localLength);
  out.writeUInt32LE(LOCAL_HEADER.signature, 0);
  writeEntryFields(out, LOCAL_HEADER.entryFields, p, p.localLength - LOCAL_HEADER.size - p.name.length);
  p.name.copy(out, LOCAL_HEADER.size);
  if (p.zip64Sizes) {
    const at = LOCAL_HEADER.size + p.name.length;
    out.writeUInt16LE(ZIP64_EXTRA_ID, at);
    out.writeUInt16LE(16, at + 2);
    writeUInt64(out, p.size, at + EXTRA_HEADER);
    writeUInt64(out, p.size, at + EXTRA_HEADER + 8);
  }
  return out;
}

function centralHeader(p: Planned): Buffer {
  const out = Buffer.alloc(p.centralLength);
  const extra = p.centralLength - CENTRAL_HEADER.size - p.name.length;
  out.writeUInt32LE(CENTRAL_HEADER.signature, 0);
  out.writeUInt16LE(MADE_BY, CENTRAL_HEADER.madeBy);
  writeEntryFields(out, CENTRAL_HEADER.entryFields, p, extra);
  // Comment length, disk and internal attributes are 0.
  out.writeUInt32LE(EXTERNAL_ATTRIBUTES, CENTRAL_HEADER.externalAttributes);
  out.writeUInt32LE(p.zip64Offset ? MAX_32 : p.offset, CENTRAL_HEADER.localHeaderOffset);
  p.name.copy(out, CENTRAL_HEADER.size);
  if (extra > 0) {
    // Only the fields set to all ones above, in the order the format fixes.
    let at = CENTRAL_HEADER.size + p.name.length;
    out.writeUInt16LE(ZIP64_EXTRA_ID, at);
    out.writeUInt16LE(extra - EXTRA_HEADER, at + 2);
    at += EXTRA_HEADER;
    if (p.zip64Sizes) {
      writeUInt64(out, p.size, at);
      writeUInt64(out, p.size, at + 8);
      at += 16;
    }
    if (p.zip64Offset) writeUInt64(out, p.offset, at);
  }
  return out;
}

/** The fields both headers carry, from `at`. Sizes past 32 bits are all ones here, their values in the ZIP64 extra. */
function writeEntryFields(out: Buffer, at: number, p: Planned, extraLength: number): void {
  const F = ENTRY_FIELDS;
  out.writeUInt16LE(versionNeeded(p), at + F.versionNeeded);
  out.writeUInt16LE(UTF8_NAMES, at + F.flags);
  // Method is 0: stored.
  out.writeUInt16LE(p.time, at + F.time);
  out.writeUInt16LE(p.date, at + F.date);
  out.writeUInt32LE(p.crc32, at + F.crc32);
  out.writeUInt32LE(p.zip64Sizes ? MAX_32 : p.size, at + F.compressedSize);
  out.writeUInt32LE(p.zip64Sizes ? MAX_32 : p.size, at + F.size);
  out.writeUInt16LE(p.name.length, at + F.nameLength);
  out.writeUInt16LE(extraLength, at + F.extraLength);
}

const versionNeeded = (p: Planned) => (p.zip64Sizes || p.zip64Offset ? VERSION_ZIP64 : VERSION_DEFAULT);

function writeUInt64(out: Buffer, value: number, at: number): void {
  out.writeBigUInt64LE(BigInt(value), at);
}

/**
 * MS-DOS date and time, in UTC (a server's local zone means nothing to whoever unzips), clamped to
 * the years the format can hold (1980..2107).
 */
function dosDateTime(at: Date | string): { time: number; date: number } {
  const d = new Date(at);
  const ms = d.getTime();
  if (Number.isNaN(ms) || d.getUTCFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  if (d.getUTCFullYear() > 2107) return { time: (23 << 11) | (59 << 5) | 29, date: (127 << 9) | (12 << 5) | 31 };
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((d.getUTCFullYear() - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/** The index of the last item whose key is at most `value` (keys ascending), or 0. */
function lastAtOrBefore<T>(items: readonly T[], value: number, key: (item: T) => number): number {
  let low = 0;
  let high = items.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (key(items[mid]!) <= value) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * Streams the pieces that overlap [position, end): header bytes are pushed directly, entry data is
 * piped from one entry stream at a time, paused while the consumer is full, so memory stays
 * constant whatever the archive's size.
 */
class ZipRangeStream extends Readable {
  private source: Readable | null = null;
  /** An entry's stream is being opened: reads wait for it rather than moving past the entry. */
  private opening = false;

  constructor(
    private readonly pieces: Iterator<Piece>,
    private readonly openEntry: (index: number, start: number, end: number) => Readable | Promise<Readable>,
    private position: number,
    /** Exclusive. */
    private readonly end: number,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK });
  }

  override _read(): void {
    if (this.source) this.source.resume();
    else if (!this.opening) this.fill();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    const source = this.source;
    this.source = null;
    source?.destroy();
    callback(err);
  }

  /** Pushes until the consumer is full, an entry's data begins (then its stream takes over), or the range ends. */
  private fill(): void {
    while (this.position < this.end) {
      const next = this.pieces.next();
      if (next.done) break;
      const piece = next.value;
      const from = this.position - piece.offset;
      const to = Math.min(piece.length, this.end - piece.offset);
      // Empty (an empty file), or wholly before the range (the first piece found may be).
      if (from >= to) continue;
      if (piece.entry === undefined) {
        this.position += to - from;
        if (!this.push(piece.bytes().subarray(from, to))) return;
      } else {
        this.pipeEntry(piece.entry, from, to);
        return;
      }
    }
    this.push(null);
  }

  private pipeEntry(index: number, from: number, to: number): void {
    let opening: Readable | Promise<Readable>;
    try {
      opening = this.openEntry(index, from, to - 1);
    } catch (err) {
      this.destroy(err as Error);
      return;
    }
    if (opening instanceof Readable) {
      this.pipeSource(index, opening, to - from);
      return;
    }
    this.opening = true;
    opening.then(
      (source) => {
        this.opening = false;
        // Destroyed while storage answered: nobody will read this source.
        if (this.destroyed) source.destroy();
        else this.pipeSource(index, source, to - from);
      },
      (err: Error) => this.destroy(err),
    );
  }

  private pipeSource(index: number, source: Readable, length: number): void {
    this.source = source;
    let missing = length;
    source.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      if (chunk.length > missing) return void this.destroy(new Error(`entry ${index} has more bytes than its size`));
      missing -= chunk.length;
      this.position += chunk.length;
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => {
      if (this.source !== source) return;
      this.source = null;
      if (missing > 0) return void this.destroy(new Error(`entry ${index} has fewer bytes than its size`));
      this.fill();
    });
    source.on('error', (err) => this.destroy(err));
  }
}
