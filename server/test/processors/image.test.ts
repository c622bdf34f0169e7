import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processFile } from '../../src/jobs/processors/index.js';
import { THUMBNAIL_FILE } from '../../src/storage/storageLayout.js';
import { fixture } from './fixtures.js';

function noisyPng(width: number, height: number): Promise<Buffer> {
  // Noise keeps the PNG from compressing to almost nothing, so size comparisons mean something.
  return sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .png()
    .toBuffer();
}

describe('images', () => {
  it('reports dimensions and writes a smaller thumbnail', async () => {
    const png = await noisyPng(1024, 768);
    const { input, derivedDir } = await fixture('photo.bin', png, { claimedType: 'application/octet-stream' });

    const result = await processFile(input);

    expect(result.detectedType).toBe('image/png');
    expect(result.extracted).toMatchObject({
      kind: 'image',
      claimedType: 'application/octet-stream',
      detectedType: 'image/png',
      width: 1024,
      height: 768,
      format: 'png',
      thumbnail: true,
    });
    const thumbnailPath = join(derivedDir, THUMBNAIL_FILE);
    const thumbnail = await sharp(thumbnailPath).metadata();
    expect(thumbnail).toMatchObject({ format: 'webp', width: 256, height: 192 });
    expect((await stat(thumbnailPath)).size).toBeLessThan(png.length);
  });

  it('does not enlarge images smaller than a thumbnail', async () => {
    const { input, derivedDir } = await fixture('icon.png', await noisyPng(40, 30));
    await processFile(input);
    expect(await sharp(join(derivedDir, THUMBNAIL_FILE)).metadata()).toMatchObject({ width: 40, height: 30 });
  });

  it('fails with a readable error for a corrupt image and writes nothing', async () => {
    const png = await noisyPng(300, 200);
    // Keep the signature and IHDR (so it is sniffed and sized as a PNG) but cut the pixel data short.
    const { input, derivedDir } = await fixture('broken.png', png.subarray(0, 200));

    const error = await processFile(input).then(
      () => expect.unreachable('corrupt image was accepted'),
      (rejection: unknown) => rejection as Error,
    );

    expect(error.message).toMatch(/^Image could not be decoded: \S/);
    expect(error.message).not.toMatch(/\n|\bat /);
    expect(existsSync(derivedDir)).toBe(false);
  });
});
