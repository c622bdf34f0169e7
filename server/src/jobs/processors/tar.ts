import type { FileHandle } from 'node:fs/promises';
import { readAt } from './readAt.js';

const BLOCK = 512;
// Headers of small members sit close together; one read covers many of them.
const WINDOW_BYTES = 64 * 1024;
// Counting is a convenience; a tar of millions of tiny files must not hold up the job.
const MAX_HEADERS = 100_000;
const TIME_BUDGET_MS = 2_000;
const MAX_PAX_BYTES = 64 * 1024;
// These describe the member that follows rather than being members themselves.
const PAX_HEADER = 'x';
const METADATA_TYPES = new Set([PAX_HEADER, 'g', 'L', 'K']);

export interface TarSummary {
  entries: number;
  /** False when counting stopped before the end-of-archive marker. */
  complete: boolean;
  note?: string;
}

/** Walks the 512-byte member headers, seeking over member content. */
export async function countTarEntries(handle: FileHandle, size: number, signal?: AbortSignal): Promise<TarSummary> {
  const blocks = new BlockWindow(handle);
  const deadline = performance.now() + TIME_BUDGET_MS;
  let entries = 0;
  let position = 0;
  let paxSize: number | null = null;

  for (let headers = 0; ; headers++) {
    // Some writers omit the zero-block trailer; ending exactly on a member boundary is fine.
    if (position === size) return { entries, complete: true };
    if (position + BLOCK > size) return { entries, complete: false, note: 'The archive is truncated' };
    if (headers >= MAX_HEADERS || performance.now() > deadline) {
      return { entries, complete: false, note: `Counting stopped after ${entries} entries` };
    }
    signal?.throwIfAborted();

    const header = await blocks.at(position);
    if (header.every((byte) => byte === 0)) return { entries, complete: true };
    const dataBytes = paxSize ?? headerSize(header);
    if (!checksumMatches(header) || !Number.isSafeInteger(dataBytes)) {
      return { entries, complete: false, note: `Unreadable tar header at byte ${position}` };
    }

    const type = String.fromCharCode(header[156]!);
    paxSize = null;
    if (type === PAX_HEADER) paxSize = await readPaxSize(handle, position + BLOCK, dataBytes);
    if (!METADATA_TYPES.has(type)) entries++;
    position += BLOCK + Math.ceil(dataBytes / BLOCK) * BLOCK;
  }
}

class BlockWindow {
  private window: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(private readonly handle: FileHandle) {}

  async at(position: number): Promise<Buffer> {
    if (position < this.start || position + BLOCK > this.start + this.window.length) {
      this.window = await readAt(this.handle, position, WINDOW_BYTES);
      this.start = position;
    }
    return this.window.subarray(position - this.start, position - this.start + BLOCK);
  }
}

function checksumMatches(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === parseOctal(header, 148, 8);
}

/** GNU tar switches to base-256 (high bit set) for members of 8 GiB and more. */
function headerSize(header: Buffer): number {
  if ((header[124]! & 0x80) === 0) return parseOctal(header, 124, 12);
  let size = header[124]! & 0x7f;
  for (let i = 125; i < 136; i++) size = size * 256 + header[i]!;
  return size;
}

function parseOctal(header: Buffer, offset: number, length: number): number {
  const digits = header
    .toString('latin1', offset, offset + length)
    .replace(/[\0 ]+$/, '')
    .trim();
  return digits === '' ? 0 : Number.parseInt(digits, 8);
}

/** POSIX tar keeps sizes that do not fit the header in a `size=` pax record. */
async function readPaxSize(handle: FileHandle, position: number, length: number): Promise<number | null> {
  const records = await readAt(handle, position, Math.min(length, MAX_PAX_BYTES));
  const match = /(?:^|\n)\d+ size=(\d+)\n/.exec(records.toString('utf8'));
  return match ? Number(match[1]) : null;
}
