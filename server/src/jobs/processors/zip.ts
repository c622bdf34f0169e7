import type { FileHandle } from 'node:fs/promises';
import { END_RECORD, MAX_16, MAX_32, ZIP64_END_RECORD, ZIP64_LOCATOR } from '../../archive/zipFormat.js';
import { readAt } from './readAt.js';

/**
 * Entry count from the End Of Central Directory record, which sits within the
 * last 64 KiB + 22 bytes (it may be followed by a comment of up to 64 KiB).
 * Returns null when there is no such record (truncated or not really a zip).
 */
export async function readZipEntryCount(handle: FileHandle, size: number): Promise<number | null> {
  const tailStart = Math.max(0, size - (MAX_16 + END_RECORD.size));
  const tail = await readAt(handle, tailStart, size - tailStart);

  // Search backwards: the last plausible record wins over look-alikes inside data.
  for (let i = tail.length - END_RECORD.size; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== END_RECORD.signature) continue;
    const commentBytes = tail.readUInt16LE(i + END_RECORD.commentLength);
    if (i + END_RECORD.size + commentBytes > tail.length) continue;

    const entries = tail.readUInt16LE(i + END_RECORD.entries);
    const needsZip64 =
      entries === MAX_16 || tail.readUInt32LE(i + END_RECORD.centralSize) === MAX_32 || tail.readUInt32LE(i + END_RECORD.centralOffset) === MAX_32;
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
  if (eocdPosition < ZIP64_LOCATOR.size) return null;
  const locator = await readAt(handle, eocdPosition - ZIP64_LOCATOR.size, ZIP64_LOCATOR.size);
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR.signature) return null;

  const recordPosition = Number(locator.readBigUInt64LE(ZIP64_LOCATOR.recordOffset));
  if (!Number.isSafeInteger(recordPosition) || recordPosition > eocdPosition) return null;
  const record = await readAt(handle, recordPosition, ZIP64_END_RECORD.size);
  if (record.length < ZIP64_END_RECORD.size || record.readUInt32LE(0) !== ZIP64_END_RECORD.signature) return null;

  const entries = Number(record.readBigUInt64LE(ZIP64_END_RECORD.entries));
  return Number.isSafeInteger(entries) ? entries : null;
}
