import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * How long a request counts as someone waiting for an answer. A JSON call ends well within it; a
 * download, an archive or a slow export that runs on stops holding uploads back after it.
 */
const INTERACTIVE_MS = 1000;

/**
 * The longest one piece of upload data waits. Under steady API traffic uploads slow down, but never
 * stop: each upload still moves a socket read (up to 64 KiB) every MAX_HOLD_MS.
 */
const MAX_HOLD_MS = 25;

/** Requests without a body are questions, and so are bodies up to the JSON API's limit; larger or unsized ones are data. */
const SMALL_BODY_BYTES = 64 * 1024;

/** Bodies that are upload data whatever their size: tus and plain uploads, and the IETF draft's (any type). */
const UPLOAD_BODY_TYPE = /^\s*(application\/offset\+octet-stream|multipart\/form-data)\b/i;
const IETF_UPLOAD_HEADER = 'upload-draft-interop-version';

/**
 * Interactive requests before bulk upload data, in one process. Uploads are not throttled, so a few
 * of them keep the event loop busy with their bytes, and an API request waits behind them at each
 * step: its parsing, each database answer, its response. In the search bench (PostgreSQL, 8 uploads
 * streaming, two cores) a listing that alone answers in 4-10 ms took 12-40 ms at the median.
 *
 * So while someone waits on a question, each upload's next piece waits (`turn`) until nobody does,
 * or MAX_HOLD_MS at most. The upload's socket is not read, TCP slows its sender, and the loop is
 * free for the question. An upload loses as much time as the questions take, and never stops.
 */
export class RequestPriority {
  /** Interactive requests in flight (each for INTERACTIVE_MS at most). */
  private waiting = 0;
  /** The pieces held now: each lets its piece go, when nobody waits any more or its time is up. */
  private readonly held = new Set<() => void>();

  /** @param onHeld told how long each held piece waited, in seconds (a metric) */
  constructor(private readonly onHeld: (seconds: number) => void = () => {}) {}

  /**
   * Middleware: counts a question while the server works on it: from when it has wholly arrived (a
   * client that sends its body slowly holds nothing back) until its answer is sent, for
   * INTERACTIVE_MS at most. An upload's request waits its turn before it starts, as its data does:
   * each one's own work (authentication, its records, its lock) is as much of the loop as a MiB of
   * its bytes.
   */
  readonly track: RequestHandler = (req, res, next) => {
    const kind = kindOf(req);
    if (kind === 'data') {
      const wait = this.turn();
      return wait ? void wait.then(() => next()) : next();
    }
    // A body arrives as it is read (the JSON parser); a body nobody reads never makes it a question.
    if (kind === 'question with a body') req.once('end', () => this.count(res));
    else this.count(res);
    next();
  };

  private count(res: ServerResponse): void {
    if (res.writableFinished || res.destroyed) return;
    this.waiting++;
    let counted = true;
    const done = () => {
      if (!counted) return;
      counted = false;
      clearTimeout(expiry);
      if (--this.waiting === 0) for (const release of this.held) release();
    };
    const expiry = setTimeout(done, INTERACTIVE_MS).unref();
    res.once('finish', done);
    res.once('close', done);
  }

  /** null when upload data may go on now; else a promise that settles when it may. */
  turn(): Promise<void> | null {
    if (this.waiting === 0) return null;
    const since = performance.now();
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timeout);
        this.held.delete(release);
        this.onHeld((performance.now() - since) / 1000);
        resolve();
      };
      const timeout = setTimeout(release, MAX_HOLD_MS);
      this.held.add(release);
    });
  }
}

/** A request without a body, one with a small body that is not upload data, or upload data. */
function kindOf({ headers }: IncomingMessage): 'question' | 'question with a body' | 'data' {
  const chunked = headers['transfer-encoding'] !== undefined;
  const length = Number(headers['content-length'] ?? 0);
  if (!chunked && !(length > 0)) return 'question';
  if (chunked || length > SMALL_BODY_BYTES || headers[IETF_UPLOAD_HEADER] !== undefined) return 'data';
  return UPLOAD_BODY_TYPE.test(headers['content-type'] ?? '') ? 'data' : 'question with a body';
}
