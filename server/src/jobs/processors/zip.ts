import type { FileHandle } from 'node:fs/promises';
import { readAt } from './readAt.js';

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_BYTES = 22;
const MAX_COMMENT_BYTES = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;

/**
 * Entry count from the End Of Central Directory record, which sits within the
 * last 64 KiB + 22 bytes (it may be followed by a comment of up to 64 KiB).
 * Returns null when there is no such record (truncated or not really a zip).
 */
export async function readZipEntryCount(handle: FileHandle, size: number): Promise<number | null> {
  const tailStart = Math.max(0, size - (MAX_COMMENT_BYTES + EOCD_BYTES));
  const tail = await readAt(handle, tailStart, size - tailStart);

  // Search backwards: the last plausible record wins over look-alikes inside data.
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const commentBytes = tail.readUInt16LE(i + 20);
    if (i + EOCD_BYTES + commentBytes > tail.length) continue;

    const entries = tail.readUInt16LE(i + 10);
    const needsZip64 = entries === 0xffff || tail.readUInt32LE(i + 12) === 0xffffffff || tail.readUInt32LE(i + 16) === 0xffffffff;
    if (needsZip64) return (await readZip64EntryCount(handle, tailStart + i)) ?? entries;
    return entries;
  }
  return null;
}

/**
 * Saturated 16/32-bit fields mean the real values live in the ZIP64 record,
 * found through the locator placed just before the classic EOCD. Without a
 * locator the saturated value is taken at face value.
 */
async function readZip64EntryCount(handle: FileHandle, eocdPosition: number): Promise<number | null> {
  if (eocdPosition < ZIP64_LOCATOR_BYTES) return null;
  const locator = await readAt(handle, eocdPosition - ZIP64_LOCATOR_BYTES, ZIP64_LOCATOR_BYTES);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) return null;

  const recordPosition = Number(locator.readBigUInt64LE(8));
  if (!Number.isSafeInteger(recordPosition) || recordPosition > eocdPosition) return null;
  const record = await readAt(handle, recordPosition, ZIP64_EOCD_BYTES);
  if (record.length < ZIP64_EOCD_BYTES || record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) return null;

  const entries = Number(record.readBigUInt64LE(32));
  return Number.isSafeInteger(entries) ? entries : null;
}
