import { createHash, randomBytes } from 'node:crypto';
import type { Api, ApiResponse } from './testServer.js';

export const TUS_RESUMABLE = { 'tus-resumable': '1.0.0' };

/** Encodes Upload-Metadata as tus wants it: `key base64(value)` pairs. */
export function uploadMetadata(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');
}

export const sha256 = (data: Buffer | Uint8Array) => createHash('sha256').update(data).digest('hex');
export const randomData = (size: number) => randomBytes(size);

export interface CreateOptions {
  length?: number;
  metadata?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sent with the POST (creation-with-upload). */
  body?: Buffer;
}

/** POST /api/uploads/ with raw tus headers; returns the response and the new upload's path. */
export async function createUpload(api: Api, token: string, options: CreateOptions = {}): Promise<ApiResponse & { path: string; id: string }> {
  const headers: Record<string, string> = { ...TUS_RESUMABLE };
  if (options.length === undefined) headers['upload-defer-length'] = '1';
  else headers['upload-length'] = String(options.length);
  if (options.metadata && Object.keys(options.metadata).length > 0) headers['upload-metadata'] = uploadMetadata(options.metadata);
  if (options.body) headers['content-type'] = 'application/offset+octet-stream';
  const res = await api.request('POST', '/api/uploads/', { token, headers: { ...headers, ...options.headers }, body: options.body });
  const location = res.headers.get('location') ?? '';
  // Location is relative unless PUBLIC_URL is set.
  const path = location ? new URL(location, api.base).pathname : '';
  return { ...res, path, id: path.split('/').pop() ?? '' };
}

export function patchUpload(api: Api, token: string, path: string, offset: number, body: Buffer, headers: Record<string, string> = {}) {
  return api.request('PATCH', path, {
    token,
    headers: { ...TUS_RESUMABLE, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset), ...headers },
    body,
  });
}

/** Uploads `data` in one request and returns the finished upload's id (= the file's id). */
export async function uploadFile(api: Api, token: string, data: Buffer, metadata: Record<string, string>): Promise<string> {
  const res = await createUpload(api, token, { length: data.length, metadata, body: data });
  if (res.status !== 201 || res.headers.get('upload-offset') !== String(data.length)) {
    throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.id;
}
