import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type HeadObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload as MultipartUpload } from '@aws-sdk/lib-storage';
import { S3Store } from '@tus/s3-store';
import { ERRORS, IoRedisKvStore, Upload, type KvStore } from '@tus/utils';
import type { Redis } from 'ioredis';
import type { S3Config } from '../config/config.js';
import {
  BlobMissingError,
  type AppendHooks,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type LocalFile,
  type Storage,
  type UploadBackend,
  temporaryLocalFile,
} from './blobStore.js';
import { checkedKey } from './storageLayout.js';

/** tus' objects for an upload: `<id>` (the bytes, a multipart upload until complete), `<id>.info`, `<id>.part`. */
const UPLOADS = 'uploads/';
const INFO_SUFFIX = '.info';
const PART_SUFFIX = '.part';

/**
 * STORAGE=s3: every blob is an object in S3_BUCKET, uploads are @tus/s3-store's (one multipart
 * upload per tus upload, parts of S3_PART_SIZE). A file's bytes are the object tus completed, under
 * the upload's id; derived files are under `derived/<id>/`. With Redis, the store's cache of upload
 * info is shared, so any node can take any request of an upload.
 */
/**
 * `partAlignment`: every part of an upload is a multiple of it (but the last). Encryption at rest
 * passes its sealed chunk size, so the parts a crash leaves end between chunks, where a resumed
 * upload can go on (see encryption/sealedAppend.ts).
 */
export function s3Storage(
  config: S3Config,
  expirationMs: number,
  redis?: { connection: Redis; prefix: string },
  partAlignment = 1,
): Storage & { client: S3Client } {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: config.checksums,
    responseChecksumValidation: config.checksums,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
  const client = new S3Client(clientConfig);
  const cache = redis ? (new IoRedisKvStore(redis.connection, `${redis.prefix}:tus-s3:`) as KvStore<never>) : undefined;
  const store = new DroplineS3Store(partAlignment, {
    partSize: config.partSize,
    expirationPeriodInMilliseconds: expirationMs,
    // Expiry is the upload store's own sweep (it spares finished uploads); tags are not needed for it.
    useTags: false,
    // Parts wait on the local disk (os.tmpdir) until uploaded; few at a time bound that disk and memory.
    maxConcurrentPartUploads: 4,
    ...(cache ? { cache } : {}),
    s3ClientConfig: { bucket: config.bucket, ...clientConfig },
  });
  return { client, blobs: new S3BlobStore(client, config.bucket, config.partSize), uploads: new S3UploadBackend(store, client, config.bucket) };
}

/** The object that holds a blob key: tus names an upload's object by the bare id. */
function objectKey(key: string): string {
  checkedKey(key);
  return key.startsWith(UPLOADS) ? key.slice(UPLOADS.length) : key;
}

const missing = (err: unknown): boolean => {
  const name = (err as { name?: unknown } | null)?.name;
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || status === 404;
};

/** The object's HEAD, or null when the bucket has no such object. */
async function headObject(client: S3Client, bucket: string, key: string): Promise<HeadObjectCommandOutput | null> {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (missing(err)) return null;
    throw err;
  }
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly partSize: number,
  ) {}

  async put(key: string, body: Readable): Promise<void> {
    // Multipart for large bodies, one PUT for small ones; one part in memory at a time.
    await new MultipartUpload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey(key), Body: body },
      partSize: this.partSize,
      queueSize: 1,
    }).done();
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const head = await headObject(this.client, this.bucket, objectKey(key));
    return head && { size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0), etag: head.ETag ?? `"${head.ContentLength}"` };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
      );
      // In Node the body is the HTTP response itself: it streams, with the socket's backpressure.
      return object.Body as Readable;
    } catch (err) {
      throw missing(err) ? new BlobMissingError(key) : err;
    }
  }

  async deleteAll(prefix: string): Promise<void> {
    for await (const key of this.list(prefix)) await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(key) }));
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Upload objects sit at the top of the bucket beside their info and incomplete parts.
    const inUploads = prefix.startsWith(UPLOADS);
    const objectPrefix = inUploads ? prefix.slice(UPLOADS.length) : prefix;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: objectPrefix, ...(inUploads ? { Delimiter: '/' } : {}), ContinuationToken: token }),
      );
      for (const { Key } of page.Contents ?? []) {
        if (!Key) continue;
        if (!inUploads) yield Key;
        else if (!Key.endsWith(INFO_SUFFIX) && !Key.endsWith(PART_SUFFIX)) yield `${UPLOADS}${Key}`;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Streams the object to a temporary file: only for libraries that read nothing but paths. */
  async localFile(key: string): Promise<LocalFile> {
    const source = await this.read(key);
    return temporaryLocalFile(source, 'dropline-blob-');
  }
}

/** @tus/s3-store with what the upload backend needs of its protected parts. */
class DroplineS3Store extends S3Store {
  constructor(
    private readonly partAlignment: number,
    options: ConstructorParameters<typeof S3Store>[0],
  ) {
    super(options);
  }

  protected override calcOptimalPartSize(size?: number): number {
    return Math.ceil(super.calcOptimalPartSize(size) / this.partAlignment) * this.partAlignment;
  }

  /**
   * A zero-length upload is complete at creation, but tus never writes to it, so its multipart
   * upload would never be completed and the file would have no object: complete it now.
   *
   * The upload keeps the creation date it comes with: the server admitted it, and recorded its
   * expiry, with that one. @tus/s3-store would stamp and keep its own a moment later, which tus'
   * POST then reads for Upload-Expires: across a second's edge POST and HEAD (read from the
   * record) told different expiries.
   */
  override async create(upload: Upload): Promise<Upload> {
    const admitted = upload.creation_date;
    if (admitted !== undefined) {
      Object.defineProperty(upload, 'creation_date', { get: () => admitted, set: () => {}, enumerable: true, configurable: true });
    }
    const created = await super.create(upload);
    if (upload.size === 0) await this.write(Readable.from([]), upload.id, 0);
    return created;
  }

  /**
   * @tus/s3-store takes an upload whose multipart upload it cannot find for a completed one, and
   * reports every byte there. So was an upload the expiry sweep had aborted but not yet deleted: a
   * PATCH in that moment got 409 and a HEAD 200 with all its bytes, for bytes that are gone. A
   * completed upload has its object; one without it is gone (404). tus' handlers hold the upload's
   * lock, so none of them looks while a PATCH completes the object.
   */
  override async getUpload(id: string): Promise<Upload> {
    const upload = await super.getUpload(id);
    if (upload.size !== undefined && upload.offset === upload.size && !(await headObject(this.client, this.bucket, id))) throw ERRORS.FILE_NOT_FOUND;
    return upload;
  }

  /**
   * @tus/s3-store saves the new length in `<id>.info` but keeps serving the cached info without it,
   * so the upload would never complete: drop the cached copy.
   */
  override async declareUploadLength(id: string, length: number): Promise<void> {
    await super.declareUploadLength(id, length);
    await this.clearCache(id);
  }

  /** Sets the final length and metadata of a deferred-length upload, then completes it. */
  async seal(id: string, size: number, metadata: Record<string, string | null>, creationDate: string | undefined): Promise<void> {
    const { 'upload-id': uploadId, file } = await this.getMetadata(id);
    await this.saveMetadata(new Upload({ ...file, id, size, offset: 0, metadata, creation_date: creationDate }), uploadId);
    await this.clearCache(id);
    // An empty write uploads the incomplete tail as the last part and completes the object.
    await this.write(Readable.from([]), id, size);
  }

  /** Aborts the multipart upload if there still is one; the objects are the backend's to delete. */
  async abort(id: string): Promise<void> {
    try {
      const { 'upload-id': uploadId } = await this.getMetadata(id);
      await this.client.abortMultipartUpload({ Bucket: this.bucket, Key: id, UploadId: uploadId });
    } catch (err) {
      if (!missing(err) && (err as { name?: unknown }).name !== 'NoSuchUpload') throw err;
    } finally {
      await this.clearCache(id);
    }
  }
}

class S3UploadBackend implements UploadBackend {
  constructor(
    readonly store: DroplineS3Store,
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /**
   * S3 keeps a request's bytes once the store's write returns (parts uploaded, the tail saved as
   * `<id>.part`), not before: `durable` hears them as they pass and `saved` comes only then. A
   * request that fails leaves the hash state unsaved, and the next resume reads the gap.
   */
  async append(source: AsyncIterable<Buffer>, id: string, offset: number, hooks: AppendHooks): Promise<number> {
    const heard = Readable.from(
      (async function* () {
        for await (const chunk of source) {
          await hooks.durable?.(chunk);
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
    const newOffset = await this.store.write(heard, id, offset);
    await hooks.saved?.();
    return newOffset;
  }

  seal(id: string, size: number, metadata: Record<string, string | null>, creationDate: string | undefined): Promise<void> {
    return this.store.seal(id, size, metadata, creationDate);
  }

  /**
   * Aborts the multipart upload and deletes every object the upload left: its bytes, `<id>.info`
   * and `<id>.part` (which @tus/s3-store's own remove() leaves behind).
   */
  async discard(id: string): Promise<boolean> {
    const hadInfo = (await headObject(this.client, this.bucket, `${id}${INFO_SUFFIX}`)) !== null;
    await this.store.abort(id);
    for (const key of [id, `${id}${PART_SUFFIX}`, `${id}${INFO_SUFFIX}`]) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    }
    return hadInfo;
  }

  async ids(): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Delimiter: '/', ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) if (Key?.endsWith(INFO_SUFFIX)) ids.push(Key.slice(0, -INFO_SUFFIX.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return ids;
  }

  /** A checksummed request waits in the local temporary directory: a request's buffer, gone when it ends. */
  scratchPath(id: string): string {
    return path.join(tmpdir(), `dropline-chunk-${id}`);
  }
}
