import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fileGone, fileGoneIfMissing, firstLine, ProcessingError } from './errors.js';
import { MAX_DECODE_BYTES, type ImageSummary } from './imageLimits.js';

export type { ImageSummary } from './imageLimits.js';

/** MIME types (as file-type reports them) that the bundled libvips can decode. */
const DECODABLE = new Set(['image/jpeg', 'image/png', 'image/apng', 'image/webp', 'image/gif', 'image/tiff', 'image/avif']);

/**
 * The decoding process may allocate this much data in all (Node and libvips need ~100 MB of it
 * themselves): past it, allocations fail and libvips reports "out of memory" instead of the
 * machine swapping. It bounds images whose headers lie about what decoding them takes.
 */
const CHILD_DATA_LIMIT_KIB = Math.ceil((MAX_DECODE_BYTES + 160 * 1024 * 1024) / 1024);
/** A decoder stuck on a crafted file is stopped rather than holding up the queue. */
const CHILD_TIMEOUT_MS = 120_000;

const WORKER = fileURLToPath(new URL(`./imageWorker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../..', import.meta.url));

export function isDecodableImage(mime: string): boolean {
  return DECODABLE.has(mime);
}

/**
 * Dimensions, format and a thumbnail, decoded in a child process (imageWorker.ts): the server's
 * memory stays what it was whatever the image, and only one image is decoded at a time, so three
 * big images at once cost the machine one decoder's memory, not three.
 */
export function describeImage(path: string, derivedDir: string, signal?: AbortSignal): Promise<ImageSummary> {
  const turn = decoding.then(() => decodeInChild(path, derivedDir, signal));
  decoding = turn.catch(() => {});
  return turn;
}

let decoding: Promise<unknown> = Promise.resolve();

function decodeInChild(path: string, derivedDir: string, signal?: AbortSignal): Promise<ImageSummary> {
  signal?.throwIfAborted();
  // Under tsx (development, tests) the worker is TypeScript and needs tsx's loader too.
  const node = [process.execPath, ...(WORKER.endsWith('.ts') ? ['--import', 'tsx'] : []), WORKER, path, derivedDir];
  // `ulimit -d` is the portable way to set RLIMIT_DATA for a child; Node has no API for it.
  const child = spawn('/bin/sh', ['-c', 'ulimit -d "$1" && shift && exec "$@"', 'sh', String(CHILD_DATA_LIMIT_KIB), ...node], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    signal,
    timeout: CHILD_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (err = (err + chunk).slice(-4096)));
    child.stdout.on('error', () => {});
    child.stderr.on('error', () => {});
    child.on('error', (error) => {
      if (signal?.aborted) reject(signal.reason);
      else reject(new ProcessingError('Image could not be decoded: the decoder could not be started', { cause: error }));
    });
    child.on('close', (code, killedBy) => {
      if (signal?.aborted) return reject(signal.reason);
      let answer: { summary?: ImageSummary; error?: string; gone?: boolean } = {};
      try {
        answer = JSON.parse(out.trim().split('\n').pop() || '{}');
      } catch {
        // Nothing usable: the decoder died; the message below says so.
      }
      if (answer.summary) return resolve(answer.summary);
      if (answer.gone) return reject(fileGone(new Error(answer.error)));
      const why = answer.error
        ? firstLine(answer.error, path)
        : `the decoder stopped (${killedBy ?? `exit code ${code}`}), probably for lack of memory`;
      const cause = new Error(err || why);
      // sharp does not always say ENOENT for a file deleted meanwhile; the file system does.
      void fileGoneIfMissing(path, cause).then((gone) => reject(gone ?? new ProcessingError(`Image could not be decoded: ${why}`, { cause })));
    });
  });
}
