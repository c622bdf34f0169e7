import { createHash, randomBytes } from 'node:crypto';
import type { AuthResponse, File as ApiFile } from '@dropline/contract';

/** What login and register return, and what the client keeps in localStorage['dropline-session']. */
export type Session = AuthResponse;

/** The server's JSON API and tus endpoint, called from the test process (Node's fetch). */
export class Api {
  constructor(readonly baseURL: string) {}

  async login(email: string, password: string): Promise<Session> {
    return this.json<Session>('POST', '/api/auth/login', { body: { email, password }, expect: 200 });
  }

  /** A new account nobody else uses, so a test's file list holds exactly what it uploaded. */
  async newUser(prefix = 'e2e'): Promise<Session & { password: string }> {
    const email = `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
    const password = 'e2e-password-123';
    const session = await this.json<Session>('POST', '/api/auth/register', { body: { email, password }, expect: 201 });
    return { ...session, password };
  }

  async getFile(token: string, id: string): Promise<ApiFile> {
    return this.json<ApiFile>('GET', `/api/files/${id}`, { token, expect: 200 });
  }

  /** Polls until processing has finished (processed or failed) and returns the file. */
  async waitForProcessing(token: string, id: string, timeoutMs = 30_000): Promise<ApiFile> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const file = await this.getFile(token, id);
      if (file.status === 'processed' || file.status === 'failed') return file;
      if (Date.now() > deadline) throw new Error(`File ${id} is still ${file.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The SHA-256 and size of the stored bytes, as GET /api/files/:id/content serves them. */
  async contentSha256(token: string, id: string): Promise<{ sha256: string; size: number }> {
    const res = await fetch(new URL(`/api/files/${id}/content`, this.baseURL), { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /api/files/${id}/content answered ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { sha256: sha256(bytes), size: bytes.length };
  }

  /**
   * A whole tus 1.0.0 upload in one request (creation-with-upload), then PATCHes for whatever the
   * server did not take. Returns the file id (the last segment of Location).
   */
  async tusUpload(token: string, file: { name: string; type: string; data: Buffer; title?: string }): Promise<string> {
    const metadata = Object.entries({ filename: file.name, filetype: file.type, title: file.title })
      .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
      .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
      .join(',');
    const created = await fetch(new URL('/api/uploads/', this.baseURL), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(file.data.length),
        'upload-metadata': metadata,
        'content-type': 'application/offset+octet-stream',
      },
      body: Uint8Array.from(file.data),
    });
    const location = created.headers.get('location');
    if (created.status !== 201 || !location) throw new Error(`tus POST answered ${created.status}: ${await created.text()}`);
    const url = new URL(location, this.baseURL);
    let offset = Number(created.headers.get('upload-offset') ?? 0);
    while (offset < file.data.length) {
      const patched = await fetch(url, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${token}`,
          'tus-resumable': '1.0.0',
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: Uint8Array.from(file.data.subarray(offset)),
      });
      if (patched.status !== 204) throw new Error(`tus PATCH answered ${patched.status}: ${await patched.text()}`);
      offset = Number(patched.headers.get('upload-offset'));
    }
    const id = url.pathname.split('/').filter(Boolean).pop();
    if (!id) throw new Error(`No upload id in Location ${location}`);
    return id;
  }

  /** Any JSON POST (creating a share or a file request, say), expecting 201 unless told. */
  post<T>(token: string, path: string, body: unknown, expect = 201): Promise<T> {
    return this.json<T>('POST', path, { token, body, expect });
  }

  /** Any JSON GET, for checks the helpers above don't cover. */
  get<T>(token: string, path: string): Promise<T> {
    return this.json<T>('GET', path, { token, expect: 200 });
  }

  private async json<T>(method: string, path: string, options: { body?: unknown; token?: string; expect: number }): Promise<T> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const res = await fetch(new URL(path, this.baseURL), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    if (res.status !== options.expect) throw new Error(`${method} ${path} answered ${res.status} (expected ${options.expect}): ${text}`);
    return JSON.parse(text) as T;
  }
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
