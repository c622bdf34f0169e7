import { describeArchive, isArchiveExtension } from './archive.js';
import { ProcessingError } from './errors.js';
import type { FileSource } from './fileSource.js';
import { hashAndScan } from './hashAndScan.js';
import { describeImage, isDecodableImage } from './image.js';
import { ISO_MIME, readIsoVolume } from './iso9660.js';
import { readAt } from './readAt.js';
import { sniffType, type SniffedType } from './sniffType.js';
import { TextStats } from './text.js';

export { ProcessingError } from './errors.js';
/** Name of the thumbnail written into `derivedDir` when `extracted.thumbnail` is true. */

export interface ProcessInput {
  source: FileSource;
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
  const { source, size, signal } = input;
  signal?.throwIfAborted();
  {
    const head = await readAt(source, 0, HEAD_BYTES);
    const type = await sniffType(source, head, size, signal);
    const kind = classify(type, input);

    const text = kind === 'text' ? new TextStats() : null;
    let sha256 = input.knownSha256 ?? null;
    // The full pass runs only for what needs every byte: the hash when unknown, text statistics.
    let bytesSeen: number;
    if (sha256 === null || text) {
      const scan = await hashAndScan(source, text ? [text.consume] : [], signal, { hash: sha256 === null });
      sha256 ??= scan.sha256;
      bytesSeen = scan.bytesRead;
    } else {
      bytesSeen = source.size;
    }
    if (bytesSeen !== size) {
      throw new ProcessingError(`The file has ${bytesSeen} bytes where ${size} were expected; it changed while being processed`);
    }

    const details = await describe(kind, { input, head, type, text });
    return {
      sha256: sha256!,
      detectedType: type.mime,
      extracted: { kind, claimedType: input.claimedType, detectedType: type.mime, ...details },
    };
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
  head: Uint8Array;
  type: SniffedType;
  text: TextStats | null;
}

async function describe(kind: FileKind, { input, head, type, text }: Findings): Promise<Record<string, unknown>> {
  switch (kind) {
    case 'image': {
      // The decoder (libvips, in a child process) reads paths only: on S3 this is a temporary copy.
      const local = await input.source.localFile();
      try {
        return { ...(await describeImage(local.path, input.derivedDir, input.signal)) };
      } finally {
        await local.release();
      }
    }
    case 'text':
      return { ...text!.summary() };
    case 'iso':
      return { iso: readIsoVolume(head) };
    case 'archive':
      return { archive: await describeArchive(type.ext!, input.source, input.size, input.signal) };
    case 'binary':
      return {};
  }
}
