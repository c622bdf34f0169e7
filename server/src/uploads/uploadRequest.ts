import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpError, badRequest } from '../http/errors.js';

/** tus' checksum extension: the algorithms a PATCH may name in Upload-Checksum (node:crypto names). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export interface Checksum {
  algorithm: ChecksumAlgorithm;
  digest: Buffer;
}

/** What one upload request asks of the store's write beyond the bytes themselves. */
export interface UploadRequestLimits {
  /** From Upload-Checksum: the body must match it, else none of it is kept. */
  checksum?: Checksum;
  /** MAX_CHUNK_SIZE: the most this request may append. */
  maxAppend?: number;
}

/**
 * tus calls `DataStore.write(stream, id, offset)` with no way to pass the request along, so the
 * route puts what the write must enforce here for the duration of the request.
 */
export const uploadRequest = new AsyncLocalStorage<UploadRequestLimits>();

/** Parses `Upload-Checksum: <algorithm> <base64 digest>`; a malformed value or unknown algorithm is 400. */
export function parseChecksum(header: string): Checksum {
  const match = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (!match) throw badRequest('Upload-Checksum must be "<algorithm> <base64 digest>".', 'invalid_checksum');
  const algorithm = match[1]!.toLowerCase();
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw badRequest(
      `The checksum algorithm "${match[1]}" is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}.`,
      'unsupported_checksum_algorithm',
    );
  }
  return { algorithm: algorithm as ChecksumAlgorithm, digest: Buffer.from(match[2]!, 'base64') };
}

export interface UploadLimits {
  maxUploadSize: number;
  /** MAX_CHUNK_SIZE; null: any request size. */
  maxChunkSize: number | null;
}

/** `Upload-Limit`, as OPTIONS and creation responses (tus and the IETF draft alike) send it. */
export function uploadLimitHeader({ maxUploadSize, maxChunkSize }: UploadLimits): string {
  return `max-size=${maxUploadSize}${maxChunkSize === null ? '' : `,max-append-size=${maxChunkSize}`}`;
}

/** An upload continues only in the protocol family it was created with (tus or the IETF draft). */
export const protocolMismatch = () =>
  new HttpError(400, 'protocol_mismatch', 'This upload was created with another upload protocol; resume it with that one.');
