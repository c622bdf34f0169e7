/**
 * The ZIP format's fixed numbers (PKWARE's APPNOTE.TXT), in one place for the two parts of the
 * server that speak it: the archive writer beside this file and the processor that reads the end
 * records of uploaded ZIPs (jobs/processors/zip.ts). A record's fields are given as byte offsets
 * from its signature; every field is little-endian.
 */

/** A 16- or 32-bit field saturated like this says: the real value is in a ZIP64 record or extra field. */
export const MAX_16 = 0xffff;
export const MAX_32 = 0xffffffff;

/** General purpose bit 11: names are UTF-8. */
export const UTF8_NAMES = 0x0800;
export const VERSION_DEFAULT = 20;
/** What a reader needs to understand ZIP64 records and extra fields. */
export const VERSION_ZIP64 = 45;

/** The ZIP64 extended information extra field: its id, and the id and length fields before its values. */
export const ZIP64_EXTRA_ID = 0x0001;
export const EXTRA_HEADER = 4;

/**
 * The fields a local header has after its signature and a central header after its signature and
 * "version made by", from version needed to extra field length: both headers repeat them.
 */
export const ENTRY_FIELDS = {
  versionNeeded: 0,
  flags: 2,
  method: 4,
  time: 6,
  date: 8,
  crc32: 10,
  compressedSize: 14,
  size: 18,
  nameLength: 22,
  extraLength: 24,
} as const;

/** Before each entry's data; the name follows the fixed part. */
export const LOCAL_HEADER = { signature: 0x04034b50, size: 30, entryFields: 4 } as const;

/** One per entry in the central directory; the name follows the fixed part. */
export const CENTRAL_HEADER = {
  signature: 0x02014b50,
  size: 46,
  madeBy: 4,
  entryFields: 6,
  externalAttributes: 38,
  localHeaderOffset: 42,
} as const;

/** The classic end of central directory record, last in the archive but for its comment (up to MAX_16 bytes). */
export const END_RECORD = {
  signature: 0x06054b50,
  size: 22,
  entriesOnDisk: 8,
  entries: 10,
  centralSize: 12,
  centralOffset: 16,
  commentLength: 20,
} as const;

/** Where a count, size or offset outgrows the classic record. */
export const ZIP64_END_RECORD = {
  signature: 0x06064b50,
  size: 56,
  /** The record's size after this field. */
  recordSize: 4,
  madeBy: 12,
  versionNeeded: 14,
  entriesOnDisk: 24,
  entries: 32,
  centralSize: 40,
  centralOffset: 48,
} as const;

/** Just before the classic end record, pointing at the ZIP64 one. */
export const ZIP64_LOCATOR = { signature: 0x07064b50, size: 20, recordOffset: 8, disks: 16 } as const;
