import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileGoneIfMissing, firstLine, ProcessingError } from './errors.js';

/** MIME types (as file-type reports them) that the bundled libvips can decode. */
const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/apng', 'image/webp', 'image/gif', 'image/tiff', 'image/avif']);
// Decoding is what costs memory; larger images get metadata but no thumbnail.
const MAX_THUMBNAIL_SOURCE_PIXELS = 100_000_000;
const THUMBNAIL_EDGE = 256;
export const THUMBNAIL_FILE = 'thumbnail.webp';

export function isDecodableImage(mime: string): boolean {
  return DECODABLE.has(mime);
}

export interface ImageSummary {
  width: number;
  height: number;
  format: string;
  thumbnail: boolean;
  note?: string;
}

export async function describeImage(path: string, derivedDir: string): Promise<ImageSummary> {
  const sharp = await loadSharp();
  // Header only, so no pixel limit is needed here.
  const metadata = await decoding(path, () => sharp(path, { limitInputPixels: false }).metadata());
  // Report what a viewer shows: EXIF orientation may swap the axes.
  const { width, height } = metadata.autoOrient;
  const summary = { width, height, format: metadata.format };
  if (width * height > MAX_THUMBNAIL_SOURCE_PIXELS) {
    return { ...summary, thumbnail: false, note: 'Too large for a thumbnail' };
  }

  // Encoded to memory first (it is small) so a failed decode leaves nothing on disk.
  const thumbnail = await decoding(path, () =>
    sharp(path, { limitInputPixels: MAX_THUMBNAIL_SOURCE_PIXELS, autoOrient: true })
      .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer(),
  );
  await mkdir(derivedDir, { recursive: true });
  await writeFile(join(derivedDir, THUMBNAIL_FILE), thumbnail);
  return { ...summary, thumbnail: true };
}

async function decoding<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw (
      (await fileGoneIfMissing(path, error)) ??
      new ProcessingError(`Image could not be decoded: ${firstLine(error)}`, { cause: error })
    );
  }
}

/** libvips costs ~20 MB of resident memory; a server that never sees an image never loads it. */
const loadSharp = async () => (await import('sharp')).default;
