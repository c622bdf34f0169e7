import { mergeConfig, type ViteUserConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The suites that store or read bytes: the matrix configs run every one of them again on S3
 * (vitest.s3.config.ts) and with encryption at rest (vitest.encrypted.config.ts).
 */
export const STORAGE_SUITES = [
  'test/uploads/**/*.test.ts',
  'test/files/**/*.test.ts',
  'test/jobs/processing.test.ts',
  'test/shares/**/*.test.ts',
  'test/requests/**/*.test.ts',
  // Only this one of the archive suites reads stored files; zip and zip64 test the format from memory and temp files.
  'test/archive/crc32.test.ts',
  'test/storage/**/*.test.ts',
];

/**
 * The base config running only `include`, with `overrides` merged in. The base's own `include` (every
 * suite) is replaced, not merged: mergeConfig concatenates arrays, which would run every suite again.
 */
export function matrixConfig(include: string[], overrides: ViteUserConfig): ViteUserConfig {
  return mergeConfig({ ...base, test: { ...base.test, include } }, overrides);
}
