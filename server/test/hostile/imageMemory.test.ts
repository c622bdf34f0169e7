import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleMax, startHostileServer, treeRssOf, type HostileServer } from '../helpers/hostile.js';
import { uploadFile } from '../helpers/tus.js';

const MB = 1_000_000;

/** 10000 x 10000, the largest image the thumbnail step accepts, in the encodings that decode whole. */
async function bigImages(): Promise<Record<string, Buffer>> {
  const rgb = () => sharp({ create: { width: 10000, height: 10000, channels: 3, background: '#3080c0' } });
  const rgba16 = () =>
    sharp({ create: { width: 10000, height: 10000, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).toColourspace('rgb16');
  return {
    // Adam7: the decoder needs every pass before it can hand out a single row.
    'interlaced-rgb8.png': await rgb().png({ progressive: true }).toBuffer(),
    'interlaced-rgba16.png': await rgba16().png({ progressive: true }).toBuffer(),
    // Progressive JPEG: libjpeg keeps every DCT coefficient of the image until the last scan
    // (8000 x 8000: 380 MB of them, and quicker to make than 10000 x 10000).
    'progressive.jpg': await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#3080c0' } })
      .jpeg({ progressive: true, quality: 50 })
      .toBuffer(),
    'plain.png': await rgb().png().toBuffer(),
  };
}

describe('image processing memory (server in a child process)', () => {
  let s: HostileServer;
  let images: Record<string, Buffer>;
  beforeAll(async () => {
    images = await bigImages();
    s = await startHostileServer();
  }, 300_000);
  afterAll(() => s?.stop());

  const processed = async (id: string) => {
    for (;;) {
      const file = (await s.api.get(`/api/files/${id}`, s.token)).body;
      if (file.status === 'processed' || file.status === 'failed') return file;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  for (const [name, thumbnail, edge] of [
    ['interlaced-rgb8.png', false, 10000],
    ['interlaced-rgba16.png', false, 10000],
    ['progressive.jpg', false, 8000],
    // Streams row by row, so it stays small even at 100 megapixels: it still gets its thumbnail.
    ['plain.png', true, 10000],
  ] as const) {
    it(`keeps the server under 300 MB with three ${name} at once`, { timeout: 120_000 }, async () => {
      const peak = sampleMax(() => s.rss(), 20);
      // With the decoder processes the server starts (one at a time) counted in.
      const treePeak = sampleMax(() => treeRssOf(s.child.process.pid!), 20);
      const ids = await Promise.all([1, 2, 3].map((n) => uploadFile(s.api, s.token, images[name]!, { filename: `${n}-${name}` })));
      const files = await Promise.all(ids.map(processed));
      const max = await peak.stop();
      const treeMax = await treePeak.stop();
      expect(s.alive()).toBe(true);
      expect(max).toBeLessThan(300 * MB);
      expect(treeMax).toBeLessThan(500 * MB);
      for (const file of files) {
        expect(file.status).toBe('processed');
        expect(file.extracted).toMatchObject({ width: edge, height: edge, thumbnail });
      }
    });
  }
});
