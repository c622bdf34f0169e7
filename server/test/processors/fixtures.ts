import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openStoredFile } from '../../src/jobs/processors/fileSource.js';
import { processFile, type ProcessInput, type ProcessResult } from '../../src/jobs/processors/index.js';
import { FsBlobStore } from '../../src/storage/fsStorage.js';
import { StorageLayout } from '../../src/storage/storageLayout.js';

const created: string[] = [];
afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh directory removed after the current test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropline-processors-'));
  created.push(dir);
  return dir;
}

export interface Fixture {
  path: string;
  derivedDir: string;
  input: ProcessInput;
}

/** Stores `bytes` as a file in a temp STORAGE_DIR, as an upload would, and builds the matching ProcessInput. */
export async function fixture(filename: string, bytes: Uint8Array | string, overrides: Partial<ProcessInput> = {}): Promise<Fixture> {
  const dir = await tempDir();
  const layout = new StorageLayout(dir);
  await mkdir(layout.uploadsDir);
  const key = layout.storageKey('fixture');
  const path = layout.pathOfKey(key);
  await writeFile(path, bytes);
  const derivedDir = join(dir, 'derived');
  const source = await openStoredFile(new FsBlobStore(layout), key);
  const input = { source, size: (await stat(path)).size, claimedType: null, filename, derivedDir, ...overrides };
  return { path, derivedDir, input };
}

export async function processBytes(filename: string, bytes: Uint8Array | string, overrides: Partial<ProcessInput> = {}): Promise<ProcessResult> {
  return processFile((await fixture(filename, bytes, overrides)).input);
}
