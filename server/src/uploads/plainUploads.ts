import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Upload } from '@tus/utils';
import busboy, { type Busboy, type FileInfo } from 'busboy';
import type { Request } from 'express';
import type { AuthUser } from '../auth/tokens.js';
import { now } from '../db/time.js';
import { HttpError, badRequest } from '../http/errors.js';
import type { File } from '@dropline/contract';
import { newId } from '../storage/storageLayout.js';
import type { Ingest } from './ingest.js';
import type { UploadAdmission } from './uploadAdmission.js';
import type { UploadsRepository } from './uploads.repository.js';
import type { UploadMetadata, UploadStore } from './uploadStore.js';

const TEXT_FIELDS = ['title', 'description'];

interface Receiving {
  id: string;
  metadata: UploadMetadata;
  written: Promise<unknown>;
}

/**
 * `POST /api/files` as multipart/form-data, for curl and HTML forms. The `file` part streams into
 * the upload store as an upload of deferred length (so it is an ordinary upload with an id), then
 * goes through the same ingestion as tus. The size limit holds while the bytes arrive, and a
 * refused, oversized or interrupted upload leaves nothing behind.
 */
export class PlainUploads {
  constructor(
    private readonly store: UploadStore,
    private readonly uploads: UploadsRepository,
    private readonly admission: UploadAdmission,
    private readonly ingest: Ingest,
    private readonly maxUploadSize: number,
  ) {}

  async receive(req: Request, user: AuthUser): Promise<File> {
    if (!req.is('multipart/form-data')) {
      throw new HttpError(415, 'expected_multipart', 'Send the file as multipart/form-data with a part named "file".');
    }
    let form: Busboy;
    try {
      form = busboy({ headers: req.headers, limits: { files: 1, fields: 10, fieldSize: 64 * 1024, parts: 20 } });
    } catch {
      throw badRequest('The multipart/form-data header has no valid boundary.', 'invalid_multipart');
    }
    const fields: Record<string, string> = {};
    let receiving: Receiving | undefined;
    const parsed = new Promise<void>((resolve, reject) => {
      form.on('field', (name, value) => {
        if (TEXT_FIELDS.includes(name)) fields[name] = value;
      });
      form.on('file', (name, stream, info) => {
        if (name !== 'file' || receiving) return void ignore(stream);
        receiving = this.start(user, stream, info);
        receiving.written.catch(reject);
      });
      form.on('close', resolve);
      form.on('error', (err) => reject(clientFault(err)));
      req.on('close', () => {
        if (!req.complete) form.destroy(new HttpError(400, 'upload_interrupted', 'The upload ended before the whole form arrived.'));
      });
    });
    req.pipe(form);

    try {
      await parsed;
      if (!receiving) throw badRequest('Send the file in a form field named "file".', 'missing_file');
      await receiving.written;
      // Fields after the file part are known only now; they complete the upload's metadata.
      const metadata = { ...receiving.metadata, ...fields };
      this.admission.check(metadata);
      await this.store.seal(receiving.id, metadata);
      const file = await this.ingest.ingest(receiving.id);
      if (!file) throw new Error(`upload ${receiving.id} was sealed but is not complete`);
      return file;
    } catch (err) {
      req.unpipe(form);
      form.destroy();
      if (receiving) await this.discard(receiving);
      throw err;
    }
  }

  /**
   * Admits the file part (400/415 before a byte is stored), then writes it; `written` settles when
   * done, and never before the admission and store creation it started have settled (so a discard
   * that follows cannot race them and leave a row or a file behind).
   */
  private start(user: AuthUser, stream: Readable, info: FileInfo): Receiving {
    const id = newId();
    const metadata: UploadMetadata = { filename: info.filename ?? null, filetype: info.mimeType };
    // busboy destroys the part's stream with an error when the form ends early; that can happen
    // while the admission below is still awaited, before any pipeline listens, so listen now.
    // The first failure decides the answer: the client's (the form broke) unless the store failed first.
    let failure: unknown;
    let storeFailed = false;
    stream.on('error', (err) => {
      if (!storeFailed) failure ??= clientFault(err);
    });
    const write = async (limited: Readable) => {
      try {
        return await this.store.write(limited, id, 0);
      } catch (err) {
        if (failure === undefined) storeFailed = true;
        throw err;
      }
    };
    const written = (async () => {
      try {
        const createdAt = now();
        await this.admission.admit({ kind: 'account', user }, id, metadata, createdAt, 0);
        await this.store.create(new Upload({ id, offset: 0, metadata, creation_date: createdAt }));
        if (failure !== undefined) throw failure;
        // pipeline hands the limiter stream itself to the last step, which is what FileStore.write reads.
        await pipeline(stream, byteLimit(this.maxUploadSize), (limited) => write(limited as Readable));
      } catch (err) {
        throw failure ?? err;
      }
    })();
    // Failures are handled where `written` is awaited; this only stops an unhandled-rejection report meanwhile.
    written.catch(() => {});
    return { id, metadata, written };
  }

  private async discard({ id, written }: Receiving): Promise<void> {
    // The write stream must be closed before its file is removed.
    await written.catch(() => {});
    await this.store.discard(id);
    await this.uploads.forget(id);
  }
}

/** Parts other than the file are drained; a failure of theirs is the form's, which reports it. */
function ignore(stream: Readable): void {
  stream.on('error', () => {});
  stream.resume();
}

/** busboy's errors all mean the body is not a well-formed form: the client's fault, never a 500. */
function clientFault(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  return badRequest('The multipart/form-data body is malformed or ended before its closing boundary.', 'invalid_multipart');
}

function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new HttpError(413, 'file_too_large', `The file is larger than the ${max} bytes this server accepts.`));
      else done(null, chunk);
    },
  });
}
