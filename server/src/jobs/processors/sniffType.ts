import type { Readable } from 'node:stream';
import { FileTypeParser } from 'file-type';
import { firstLine, isNotFound, ProcessingError } from './errors.js';
import type { FileSource } from './fileSource.js';
import { hasIsoSignature, ISO_MIME } from './iso9660.js';
import { looksLikeText } from './text.js';

export interface SniffedType {
  mime: string | null;
  /** file-type's extension, which tells container formats apart more finely than the MIME type. */
  ext: string | null;
}

/** What the bytes say the file is, whatever its name or declared type claim. */
export async function sniffType(source: FileSource, head: Uint8Array, size: number, signal?: AbortSignal): Promise<SniffedType> {
  // file-type does not know ISO 9660; its descriptor sits 32 KiB in, past any boot code at the start.
  if (hasIsoSignature(head)) return { mime: ISO_MIME, ext: 'iso' };

  const found = await detect(source, signal);
  if (found) return found;
  if (looksLikeText(head, head.length === size)) return { mime: 'text/plain', ext: 'txt' };
  return { mime: null, ext: null };
}

async function detect(source: FileSource, signal?: AbortSignal): Promise<SniffedType | undefined> {
  let stream: Readable | undefined;
  try {
    // From the file rather than the head: some formats are only told apart further in. file-type
    // stops reading once it knows; the rest of the stream is never fetched.
    stream = await source.stream();
    return await new FileTypeParser({ signal }).fromStream(stream);
  } catch (error) {
    signal?.throwIfAborted();
    if (isNotFound(error)) throw error;
    throw new ProcessingError(`File type could not be determined: ${firstLine(error)}`, { cause: error });
  } finally {
    stream?.destroy();
  }
}
