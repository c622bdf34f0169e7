/**
 * Decodes one image in a process of its own (started by image.ts under a data-size limit), so the
 * memory a decoder needs is the child's and is returned whole when it exits: the server's own
 * memory never grows with an image, whatever the image. Arguments: the image's path and the
 * directory for its thumbnail. Answers one JSON line on stdout: `{summary}` or `{error, gone}`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeBytes, MAX_DECODE_BYTES, MAX_THUMBNAIL_SOURCE_PIXELS, THUMBNAIL_EDGE, THUMBNAIL_FILE, type ImageSummary } from './imageLimits.js';

// One thread and no cache: this process does one image once, and every buffer counts against its limit.
sharp.cache(false);
sharp.concurrency(1);

const TOO_LARGE = 'Too large for a thumbnail';

async function describe(path: string, derivedDir: string): Promise<ImageSummary> {
  // Header only, so no pixel limit is needed here.
  const metadata = await sharp(path, { limitInputPixels: false }).metadata();
  // Report what a viewer shows: EXIF orientation may swap the axes.
  const { width, height } = metadata.autoOrient;
  const summary = { width, height, format: metadata.format };
  // Interlaced PNGs, progressive JPEGs and whole-frame formats decode all at once; others stream.
  if (width * height > MAX_THUMBNAIL_SOURCE_PIXELS || decodeBytes(metadata) > MAX_DECODE_BYTES) {
    return { ...summary, thumbnail: false, note: TOO_LARGE };
  }
  let thumbnail: Buffer;
  try {
    // Encoded to memory first (it is small) so a failed decode leaves nothing on disk.
    thumbnail = await sharp(path, { limitInputPixels: MAX_THUMBNAIL_SOURCE_PIXELS, autoOrient: true })
      .resize(THUMBNAIL_EDGE, THUMBNAIL_EDGE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
  } catch (error) {
    // The header lied about what decoding needs, and the process limit stopped it.
    if (/out of memory/i.test(String((error as Error)?.message))) return { ...summary, thumbnail: false, note: TOO_LARGE };
    throw error;
  }
  await mkdir(derivedDir, { recursive: true });
  await writeFile(join(derivedDir, THUMBNAIL_FILE), thumbnail);
  return { ...summary, thumbnail: true };
}

const [path, derivedDir] = process.argv.slice(2);
describe(path!, derivedDir!).then(
  (summary) => process.stdout.write(`${JSON.stringify({ summary })}\n`),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ error: message, gone: (error as NodeJS.ErrnoException)?.code === 'ENOENT' })}\n`);
  },
);
