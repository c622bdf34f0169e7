import { FileTypeParser } from 'file-type';
import { fileGoneIfMissing, firstLine, ProcessingError } from './errors.js';
import { hasIsoSignature, ISO_MIME } from './iso9660.js';
import { looksLikeText } from './text.js';

export interface SniffedType {
  mime: string | null;
  /** file-type's extension, which tells container formats apart more finely than the MIME type. */
  ext: string | null;
}

/** What the bytes say the file is, whatever its name or declared type claim. */
export async function sniffType(path: string, head: Uint8Array, size: number, signal?: AbortSignal): Promise<SniffedType> {
  // file-type does not know ISO 9660; its descriptor sits 32 KiB in, past any boot code at the start.
  if (hasIsoSignature(head)) return { mime: ISO_MIME, ext: 'iso' };

  const found = await detect(path, signal);
  if (found) return found;
  if (looksLikeText(head, head.length === size)) return { mime: 'text/plain', ext: 'txt' };
  return { mime: null, ext: null };
}

async function detect(path: string, signal?: AbortSignal): Promise<SniffedType | undefined> {
  try {
    // From the file rather than the head: some formats are only told apart further in.
    return await new FileTypeParser({ signal }).fromFile(path);
  } catch (error) {
    signal?.throwIfAborted();
    throw (
      (await fileGoneIfMissing(path, error)) ?? new ProcessingError(`File type could not be determined: ${firstLine(error, path)}`, { cause: error })
    );
  }
}
