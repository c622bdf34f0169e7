import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import * as tus from 'tus-js-client';

export interface ClientRun {
  url: string;
  /** Bytes the client sent in this run, from the chunks the server acknowledged. */
  sent: number;
  outcome: 'finished' | 'aborted' | 'failed';
  error?: Error;
}

export interface ClientOptions {
  endpoint?: string;
  uploadUrl?: string;
  /** Sent as `Authorization: Bearer <token>`, unless `authorization` gives the whole header (a file request's link). */
  token?: string;
  authorization?: string;
  metadata?: Record<string, string>;
  chunkSize?: number;
  deferLength?: boolean;
  /** tus 1.0.0 (the default) or the IETF draft as tus-js-client speaks it (interop 5 or 6). */
  protocol?: 'tus-v1' | 'ietf-draft-03' | 'ietf-draft-05';
  /** tus-js-client's parallel uploads: this many partial uploads, joined by a final one. */
  parallelUploads?: number;
  /** Called as bytes go out; returning true aborts the upload there. */
  abortWhen?: (bytesSent: number) => boolean;
}

/** One run of tus-js-client in Node, until it finishes, fails (no retries) or is aborted. */
export function runTusClient(data: Buffer, options: ClientOptions): Promise<ClientRun> {
  return new Promise((resolve) => {
    let sent = 0;
    let aborted = false;
    const upload: tus.Upload = new tus.Upload(data, {
      endpoint: options.endpoint,
      uploadUrl: options.uploadUrl,
      chunkSize: options.chunkSize ?? 1024 * 1024,
      uploadLengthDeferred: options.deferLength ?? false,
      parallelUploads: options.parallelUploads ?? 1,
      // tus-js-client 4.3 supports `protocol` but its typings do not declare it.
      ...({ protocol: options.protocol ?? 'tus-v1' } as Partial<tus.UploadOptions>),
      metadata: options.metadata ?? { filename: 'data.bin' },
      headers: { Authorization: options.authorization ?? `Bearer ${options.token}` },
      retryDelays: [],
      onChunkComplete: (chunkSize) => {
        sent += chunkSize;
      },
      onProgress: (bytesSent) => {
        if (!aborted && options.abortWhen?.(bytesSent)) {
          aborted = true;
          void upload.abort().then(() => resolve({ url: upload.url!, sent, outcome: 'aborted' }));
        }
      },
      onSuccess: () => resolve({ url: upload.url!, sent, outcome: 'finished' }),
      onError: (error) => resolve({ url: upload.url ?? '', sent, outcome: 'failed', error }),
    });
    upload.start();
  });
}

/** Passes bytes on at no more than `bytesPerSecond`. */
class Throttle extends Transform {
  private passed = 0;
  private readonly started = Date.now();

  constructor(private readonly bytesPerSecond: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.passed += chunk.length;
    const due = (this.passed / this.bytesPerSecond) * 1000 - (Date.now() - this.started);
    setTimeout(() => done(null, chunk), Math.max(0, due));
  }
}

/**
 * A tus-js-client file reader for a path on disk that sends each request's bytes at no more than
 * `bytesPerSecond`, so an upload lasts long enough on a fast machine to be interrupted on purpose.
 * Every slice is read afresh from the file, so the client can resume from any offset.
 */
export function throttledFileReader(bytesPerSecond: number): NonNullable<tus.UploadOptions['fileReader']> {
  return {
    openFile: async (input: string) => {
      const { size } = await stat(input);
      return {
        size,
        slice: async (start: number, end: number) => {
          const last = Math.min(end, size);
          const file = createReadStream(input, { start, end: last - 1, highWaterMark: 64 * 1024 });
          const value = Object.assign(new Throttle(bytesPerSecond), { size: last - start });
          file.on('error', (err) => value.destroy(err));
          file.pipe(value);
          return { value, done: last >= size };
        },
        close: () => {},
      };
    },
  };
}
