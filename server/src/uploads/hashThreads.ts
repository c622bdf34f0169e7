import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Sha256State } from '@dropline/openssl';

/** Where a running SHA-256 and CRC-32 stand: the saved SHA-256 state and zlib's CRC-32 value. */
export interface HashState {
  sha256: Sha256State;
  crc32: number;
}

/** How far below the event loop the hash threads run (nice 0 to 19; higher yields more). */
const HASH_THREAD_NICE = 10;

/**
 * The worker's whole program. It keeps nothing between jobs: each one brings the state it continues
 * from, so any thread may take any job and a job's order is its caller's to keep. Plain CommonJS
 * run with `eval`, so the same code serves the built server and the TypeScript sources under test.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const { crc32 } = require('node:zlib');
const { sha256Update } = require(workerData.openssl);
// Hashing keeps up with its uploads whenever a core is free, and an upload waits for its hash (see
// RunningHash), so on a busy machine the uploads yield, not every other request. On Linux the nice
// value is a thread's own: this lowers this thread only.
try { require('node:os').setPriority(${HASH_THREAD_NICE}); } catch {}
parentPort.on('message', ({ job, sha256, crc, bytes }) => {
  try {
    const state = sha256Update(sha256, bytes);
    // The bytes go back too, to be filled again: a fresh MiB per batch cost more than copying into it.
    parentPort.postMessage({ job, sha256: state, crc: crc32(bytes, crc), bytes }, [bytes.buffer]);
  } catch (err) {
    parentPort.postMessage({ job, error: String(err && err.stack || err) });
  }
});
`;

interface Job {
  resolve(state: HashState): void;
  reject(err: Error): void;
}

/** What the thread answers a job with: the new state and the bytes back, or why not. */
interface Reply {
  job: number;
  sha256?: Sha256State;
  crc?: number;
  bytes?: Uint8Array<ArrayBuffer>;
  error?: string;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

/**
 * A few threads that continue SHA-256 and CRC-32 states over incoming bytes. Hashing costs ~1.3 ms
 * of CPU per MiB (a profile of 1 GiB uploads: OpenSSL's SHA-256 ~0.8, zlib's CRC-32 ~0.5); on the
 * event loop that would be as much of every other request's wait per MiB streaming in. Here the
 * loop only copies the bytes (~0.1 ms per MiB) and the hashing runs on another core when there is
 * one. Threads start on first use and never keep the process alive.
 */
class HashThreads {
  private readonly threads: Thread[] = [];
  private nextJob = 0;
  /** Memory the threads gave back, kept for `buffer`; as many as can be in flight at once is enough. */
  private readonly spares: ArrayBuffer[] = [];

  constructor(private readonly size: number) {}

  /**
   * Memory of `bytes` bytes to fill and pass to `continue`: one a thread gave back when there is
   * one (its pages are already mapped; a new one is zeroed and faulted in page by page, which cost
   * more than the copy into it). Its contents are stale.
   */
  buffer(bytes: number): Uint8Array<ArrayBuffer> {
    const at = this.spares.findIndex((spare) => spare.byteLength === bytes);
    return at >= 0 ? new Uint8Array(this.spares.splice(at, 1)[0]!) : new Uint8Array(bytes);
  }

  /** The state after `bytes`, whose memory goes to the thread (the caller's view is emptied): pass a copy. */
  continue(from: HashState, bytes: Uint8Array<ArrayBuffer>): Promise<HashState> {
    const thread = this.leastBusy();
    const job = this.nextJob++;
    return new Promise((resolve, reject) => {
      thread.jobs.set(job, { resolve, reject });
      thread.worker.postMessage({ job, sha256: from.sha256, crc: from.crc32, bytes }, [bytes.buffer]);
    });
  }

  private leastBusy(): Thread {
    if (this.threads.length < this.size && this.threads.every((t) => t.jobs.size > 0)) return this.start();
    return this.threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private start(): Thread {
    const worker = new Worker(PROGRAM, { eval: true, workerData: { openssl: createRequire(import.meta.url).resolve('@dropline/openssl') } });
    worker.unref();
    const thread: Thread = { worker, jobs: new Map() };
    worker.on('message', ({ job, sha256, crc, bytes, error }: Reply) => {
      const waiting = thread.jobs.get(job);
      thread.jobs.delete(job);
      if (bytes && this.spares.length < MAX_SPARES) this.spares.push(bytes.buffer);
      if (error !== undefined) waiting?.reject(new Error(`hash thread: ${error}`));
      else waiting?.resolve({ sha256: sha256!, crc32: crc! });
    });
    // A thread that dies fails what it was given and is replaced by the next job that needs one.
    const fail = (err: Error) => {
      const at = this.threads.indexOf(thread);
      if (at >= 0) this.threads.splice(at, 1);
      for (const { reject } of thread.jobs.values()) reject(err);
      thread.jobs.clear();
    };
    worker.once('error', fail);
    worker.once('exit', (code) => fail(new Error(`hash thread exited with code ${code}`)));
    this.threads.push(thread);
    return thread;
  }
}

/** Eight uploads with two batches each in flight; what stays mapped once uploads stop (16 MiB) is bounded by it. */
const MAX_SPARES = 16;

/** One thread on two cores (the loop keeps the other), up to four on bigger machines. */
export const hashThreads = new HashThreads(Math.max(1, Math.min(4, availableParallelism() - 1)));
