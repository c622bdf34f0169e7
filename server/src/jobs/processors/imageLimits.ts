import type { Metadata } from 'sharp';

/** Larger images get metadata but no thumbnail. */
export const MAX_THUMBNAIL_SOURCE_PIXELS = 100_000_000;
/**
 * What a decoder may hold at once for one thumbnail: a 24-megapixel progressive JPEG (~140 MB of
 * coefficients) or a 4000 x 4000 interlaced PNG fit; a 10000 x 10000 interlaced one (300 MB to
 * 800 MB) does not.
 */
export const MAX_DECODE_BYTES = 160 * 1024 * 1024;
export const THUMBNAIL_EDGE = 256;

export interface ImageSummary {
  width: number;
  height: number;
  format: string;
  thumbnail: boolean;
  note?: string;
}

const SAMPLE_BYTES: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

/**
 * Bytes the decoder must hold to produce the first row of a thumbnail, from the header alone.
 * Streaming decoders (baseline JPEG, non-interlaced PNG, TIFF strips) need a few rows: 0 here.
 */
export function decodeBytes(metadata: Metadata): number {
  const pixels = metadata.width * metadata.height;
  const channels = metadata.channels ?? 4;
  const sample = SAMPLE_BYTES[metadata.depth ?? 'uchar'] ?? 8;
  switch (metadata.format) {
    case 'png':
      // Adam7: the last pass holds every other row, so the whole image is decoded first.
      return metadata.isProgressive ? pixels * channels * sample : 0;
    case 'jpeg':
      // Progressive: libjpeg keeps a 16-bit DCT coefficient per sample until the last scan.
      return metadata.isProgressive ? pixels * channels * 2 : 0;
    case 'gif':
    case 'webp':
    case 'heif':
      // Decoded a whole frame at a time, as RGBA.
      return pixels * 4 * Math.max(sample, 1);
    default:
      return 0;
  }
}
