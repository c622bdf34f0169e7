import { open, type FileHandle } from 'node:fs/promises';
import { describeArchive, isArchiveExtension } from './archive.js';
import { fileGone, isNotFound, ProcessingError } from './errors.js';
import { hashAndScan } from './hashAndScan.js';
import { describeImage, isDecodableImage } from './image.js';
import { ISO_MIME, readIsoVolume } from './iso9660.js';
import { readAt } from './readAt.js';
import { sniffType, type SniffedType } from './sniffType.js';
import { TextStats } from './text.js';

export { ProcessingError } from './errors.js';
/** Name of the thumbnail written into `derivedDir` when `extracted.thumbnail` is true. */

export interface ProcessInput {
  path: string;
  size: number;
  claimedType: string | null;
  filename: string;
  /** Per-file directory for derived files such as thumbnails; created only when something is written. */
  derivedDir: string;
  /** The SHA-256 computed while the file arrived; then only what its kind needs is read. */
  knownSha256?: string | null;
  signal?: AbortSignal;
}

export interface ProcessResult {
  sha256: string;
  detectedType: string | null;
  extracted: Record<string, unknown>;
}

export type FileKind = 'image' | 'text' | 'iso' | 'archive' | 'binary';

// Covers file-type's needs, the text sniff and ISO 9660 descriptors (sectors 16–31).
const HEAD_BYTES = 64 * 1024;
const ISO_FILENAME = /\.(iso|img)$/i;

/**
 * Hashes and inspects one stored file in a single sequential pass plus a few
 * small header reads, in constant memory. Failures are `ProcessingError`s with
 * a message fit for people, `code: 'ENOENT'` when the file is gone; an abort
 * rejects with `signal.reason`.
 */
export async function processFile(input: ProcessInput): Promise<ProcessResult> {
  const { path, size, signal } = input;
  signal?.throwIfAborted();
  const handle = await openForReading(path);
  try {
    const head = await readAt(handle, 0, HEAD_BYTES);
    const type = await sniffType(path, head, size, signal);
    const kind = classify(type, input);

    const text = kind === 'text' ? new TextStats() : null;
    let sha256 = input.knownSha256 ?? null;
    // The full pass runs only for what needs every byte: the hash when unknown, text statistics.
    let bytesSeen: number;
    if (sha256 === null || text) {
      const scan = await hashAndScan(handle, text ? [text.consume] : [], signal, { hash: sha256 === null });
      sha256 ??= scan.sha256;
      bytesSeen = scan.bytesRead;
    } else {
      bytesSeen = (await handle.stat()).size;
    }
    if (bytesSeen !== size) {
      throw new ProcessingError(`The file has ${bytesSeen} bytes where ${size} were expected; it changed while being processed`);
    }

    const details = await describe(kind, { input, handle, head, type, text });
    return {
      sha256: sha256!,
      detectedType: type.mime,
      extracted: { kind, claimedType: input.claimedType, detectedType: type.mime, ...details },
    };
  } finally {
    await handle.close();
  }
}

async function openForReading(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw isNotFound(error) ? fileGone(error) : error;
  }
}

function isTextual(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'application/xml';
}

/**
 * The bytes decide, except that a file named or declared as a disk image is
 * treated as one unless its bytes identify some other binary format: the user
 * then learns it has no ISO 9660 volume rather than merely that it is binary.
 */
function classify(type: SniffedType, input: ProcessInput): FileKind {
  const { mime, ext } = type;
  if (mime === ISO_MIME) return 'iso';
  if (mime !== null && isDecodableImage(mime)) return 'image';
  if (ext !== null && isArchiveExtension(ext)) return 'archive';
  if (mime !== null && !isTextual(mime)) return 'binary';
  if (ISO_FILENAME.test(input.filename) || input.claimedType === ISO_MIME) return 'iso';
  return mime === null ? 'binary' : 'text';
}

interface Findings {
  input: ProcessInput;
  handle: FileHandle;
  head: Uint8Array;
  type: SniffedType;
  text: TextStats | null;
}

async function describe(kind: FileKind, { input, handle, head, type, text }: Findings): Promise<Record<string, unknown>> {
  switch (kind) {
    case 'image':
      return { ...(await describeImage(input.path, input.derivedDir, input.signal)) };
    case 'text':
      return { ...text!.summary() };
    case 'iso':
      return { iso: readIsoVolume(head) };
    case 'archive':
      return { archive: await describeArchive(type.ext!, handle, input.size, input.signal) };
    case 'binary':
      return {};
  }
}
