import { access } from 'node:fs/promises';

/**
 * Error whose message is meant to be shown to a person as-is; technical detail
 * goes into `cause`, never into the message.
 */
export class ProcessingError extends Error {
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ProcessingError';
    this.code = options.code;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** The caller tells "file was deleted" apart from real failures by `code === 'ENOENT'`. */
export function fileGone(cause: unknown): ProcessingError {
  return new ProcessingError('The file no longer exists (it was probably deleted while being processed)', {
    cause,
    code: 'ENOENT',
  });
}

/**
 * Libraries that open the path themselves (sharp, file-type) do not always
 * report a missing file with an ENOENT code, so look at the file system instead.
 */
export async function fileGoneIfMissing(path: string, error: unknown): Promise<ProcessingError | null> {
  if (isNotFound(error)) return fileGone(error);
  try {
    await access(path);
    return null;
  } catch (accessError) {
    return isNotFound(accessError) ? fileGone(error) : null;
  }
}

/**
 * First line only: native libraries append multi-line diagnostics to their messages. Libraries
 * also name the file they read (libtiff: "tiff2vips: /srv/storage/uploads/…"); `path` is cut out,
 * since the message reaches users and a server path is not theirs to see.
 */
export function firstLine(error: unknown, path?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n', 1)[0]!;
  return (path ? line.replaceAll(path, 'the file') : line).trim();
}
