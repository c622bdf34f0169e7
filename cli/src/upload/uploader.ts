import { createReadStream } from 'node:fs';
import { DetailedError, Upload, type HttpRequest, type HttpResponse, type UploadOptions } from 'tus-js-client';
import { CliError, messageOf } from '../errors.js';
import type { Task } from '../progress.js';
import type { Session } from '../session.js';
import { TUS_ENDPOINT } from './capabilities.js';
import { fingerprintOf, identify } from './fingerprint.js';
import { DroplineHttpStack } from './httpStack.js';
import type { DirectoryUrlStorage, StoredUpload } from './urlStorage.js';
import type { LocalFile } from './walk.js';

/** How every file of one `dropline upload` is sent, decided once from the options and the server's offer. */
export interface UploadPlan {
  /** Bytes per PATCH (--chunk-size, else the server's max-append-size); unset: see chunkSizeFor. */
  chunkSize?: number;
  /** Parts sent at once through tus concatenation; 1 when the server lacks it. */
  parallel: number;
  checksum: string | null;
  /** Title for every file (a file from a directory gets its relative path added). */
  title?: string;
  /** tus metadata `expires`: when the file is deleted. */
  expires?: Date;
}

export interface UploadOutcome {
  id: string;
  url: string;
  /** Bytes the server already had when this run began (0 for a fresh upload). */
  resumedFrom: number;
  /** The file had changed since an interrupted upload of it, which was dropped. */
  restarted: boolean;
}

/**
 * `--title`, and for a file found in a directory its relative path (after the title, if any). The
 * server keeps titles to 200 characters: a deep path keeps its end, the part that names the file;
 * a title the user typed is sent as typed, for the server to accept or refuse.
 */
const MAX_TITLE = 200;
export function titleFor(file: LocalFile, title?: string): string | undefined {
  if (!file.fromDirectory) return title;
  const prefix = title ? `${title}: ` : '';
  const room = MAX_TITLE - Array.from(prefix).length;
  const chars = Array.from(file.relative);
  const relative = chars.length <= room || room < 20 ? file.relative : '…' + chars.slice(chars.length - room + 1).join('');
  return prefix + relative;
}

/** Keeps trying through a dropped network or a restarting server for about five minutes. */
const RETRY_DELAYS = [0, 1000, 2000, 4000, 8000, 15000, 30000, 30000, 30000, 60000, 60000, 60000];

const MIB = 2 ** 20;

/** Smallest part worth its own request in a parallel upload. */
const MIN_PART = MIB;

/**
 * Without a chunk size from the user or the server, a file goes as one streamed request: the
 * server keeps what arrived when it is cut. With checksums the server keeps a request only whole,
 * so requests are a fiftieth of the file (1 to 64 MiB): an interruption costs at most 2% again.
 */
export function chunkSizeFor(plan: UploadPlan, partSize: number): number {
  if (plan.chunkSize) return plan.chunkSize;
  if (!plan.checksum) return Infinity;
  return Math.min(64 * MIB, Math.max(MIB, Math.ceil(partSize / 50)));
}

function serverMessage(res: HttpResponse | null): { code: string; message: string } | null {
  if (!res) return null;
  try {
    const body = JSON.parse(res.getBody()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return { code: body.error.code ?? 'failed', message: body.error.message };
  } catch {
    // not JSON
  }
  return null;
}

/** tus-js-client's long technical errors, as a sentence with the server's own message when there is one. */
function explain(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof DetailedError) {
    const status = err.originalResponse?.getStatus() ?? 0;
    const said = serverMessage(err.originalResponse);
    if (said) return new CliError(said.message, said.code, 1, status);
    if (status)
      return new CliError(`the server answered ${status} to ${err.originalRequest?.getMethod() ?? 'a request'}`, `http_${status}`, 1, status);
    const cause = err.causingError;
    if (cause instanceof CliError) return cause;
    return new CliError(
      `could not reach the server (${cause ? messageOf(cause) : 'no answer'}); run the same command again to resume`,
      'network_error',
    );
  }
  return new CliError(messageOf(err));
}

/**
 * Uploads one file through tus, resuming what an earlier run of the same command left on the
 * server: its URL is kept on disk under a fingerprint of the file, so the next run asks the server
 * for its offset (HEAD) and continues from there.
 */
export async function uploadFile(
  session: Session,
  storage: DirectoryUrlStorage,
  file: LocalFile,
  plan: UploadPlan,
  task: Task,
  signal: AbortSignal,
): Promise<UploadOutcome> {
  const identity = await identify(file.absolute);
  const origin = { server: session.url, userId: session.user.id, path: file.absolute };
  const fingerprint = fingerprintOf(session.url, session.user.id, file.absolute, identity);
  storage.describe(fingerprint, origin);

  // Bearer tokens per request: refreshed as they near expiry, and once more if the server refuses one.
  let refused: string | null = null;
  let fatal: CliError | null = null;
  const authorize = async (req: HttpRequest) => {
    try {
      const token = refused ? await session.refresh(refused) : await session.accessToken();
      refused = null;
      req.setHeader('Authorization', `Bearer ${token}`);
    } catch (err) {
      fatal = explain(err);
      throw fatal;
    }
  };
  const authOptions: UploadOptions = { onBeforeRequest: authorize, retryDelays: [0, 1000] };

  const outdated = await storage.findOutdated(origin, fingerprint);
  for (const entry of outdated) await dropStoredUpload(storage, entry, authOptions);
  if (outdated.length > 0) task.note('changed: restarting');

  const offsets = new Map<string, number>();
  const source = createReadStream(file.absolute);
  source.on('error', () => {}); // tus reads by path; a failure to open shows up there with a message

  const parallel = plan.parallel > 1 && identity.size >= plan.parallel * MIN_PART ? plan.parallel : 1;
  const filename = file.relative.slice(file.relative.lastIndexOf('/') + 1);
  const metadata: Record<string, string> = { filename };
  const title = titleFor(file, plan.title);
  if (title) metadata.title = title;
  if (file.fromDirectory) metadata.relativePath = file.relative;
  if (plan.expires) metadata.expires = plan.expires.toISOString();

  return new Promise<UploadOutcome>((resolve, reject) => {
    const upload = new Upload(source as never, {
      endpoint: session.url + TUS_ENDPOINT,
      chunkSize: chunkSizeFor(plan, identity.size / parallel),
      parallelUploads: parallel,
      metadata,
      // Partial uploads are no files of their own; the name lets the server apply its type rules early.
      metadataForPartialUploads: { filename },
      fingerprint: async () => fingerprint,
      urlStorage: storage,
      storeFingerprintForResuming: true,
      // tus would remove the entry without waiting; the process may exit first. onSuccess does it.
      removeFingerprintOnSuccess: false,
      httpStack: new DroplineHttpStack(plan.checksum),
      retryDelays: RETRY_DELAYS,
      onBeforeRequest: authorize,
      onAfterResponse: (req, res) => {
        // The first HEAD of each upload URL tells how much the server already had.
        if (req.getMethod() === 'HEAD' && res.getStatus() < 300 && !offsets.has(req.getURL()))
          offsets.set(req.getURL(), Number(res.getHeader('Upload-Offset')) || 0);
      },
      onShouldRetry: (err, attempt) => {
        if (fatal || signal.aborted) return false;
        const status = err.originalResponse?.getStatus() ?? 0;
        if (status === 401) {
          refused = err.originalRequest?.getHeader('Authorization')?.replace(/^Bearer /, '') ?? null;
          return attempt < 2;
        }
        // 460: the bytes arrived damaged and were dropped; 409/423: offset or lock race; 429: over the
        // rate limit (creations count); 5xx and no answer: try again.
        return status === 0 || status >= 500 || [409, 423, 429, 460].includes(status);
      },
      onProgress: (sent) => task.update(sent),
      onSuccess: () => {
        signal.removeEventListener('abort', onAbort);
        const url = upload.url!;
        const resumedFrom = [...offsets.values()].reduce((a, b) => a + b, 0);
        const outcome = { id: new URL(url).pathname.split('/').filter(Boolean).pop()!, url, resumedFrom, restarted: outdated.length > 0 };
        storage.removeFingerprint(fingerprint).then(() => resolve(outcome), reject);
      },
      onError: (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(explain(fatal ?? err));
      },
    });
    const onAbort = () => {
      void upload.abort(false).finally(() => reject(new CliError('interrupted', 'interrupted')));
    };
    signal.addEventListener('abort', onAbort, { once: true });

    void upload
      .findPreviousUploads()
      .then(async (previous) => {
        // Newest first; older duplicates (a crash between two saves) are dropped.
        const [latest, ...older] = previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime));
        for (const entry of older) await storage.removeUpload(entry.urlStorageKey);
        if (latest) {
          upload.resumeFromPreviousUpload(latest);
          task.note('resuming');
        }
        if (!signal.aborted) upload.start();
      })
      .catch((err: unknown) => reject(explain(err)));
  });
}

/** Forgets an upload of an older version of the file and deletes it on the server (best effort: it expires anyway). */
async function dropStoredUpload(storage: DirectoryUrlStorage, entry: StoredUpload, options: UploadOptions): Promise<void> {
  await storage.removeUpload(entry.urlStorageKey);
  const urls = entry.parallelUploadUrls ?? (entry.uploadUrl ? [entry.uploadUrl] : []);
  await Promise.all(urls.map((url) => Upload.terminate(url, options).catch(() => {})));
}
