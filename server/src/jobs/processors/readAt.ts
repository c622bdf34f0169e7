/** What reading a stored file at any position needs; a FileHandle is one, a FileSource another. */
export interface RandomReader {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** Reads up to `length` bytes at `position`; shorter only at end of file. */
export async function readAt(reader: RandomReader, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await reader.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}
