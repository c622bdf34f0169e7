import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, UsageError, messageOf, notLoggedIn } from './errors.js';
import { configDir, deleteCredentials, readCredentials, withLock, writeCredentials, type Credentials } from './config.js';
import type { AuthResponse as LoginResponse, ErrorBody, TokenPair as RefreshResponse } from '@dropline/contract';

/** Refresh this long before the access token's `exp`, so a request never leaves with a token about to die. */
const REFRESH_MARGIN_MS = 30_000;

/** `host:3000` -> `http://host:3000` (https unless it is this machine); no trailing slash. */
export function normalizeServerUrl(text: string): string {
  let candidate = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(candidate)) {
    const local = /^(localhost|127\.|\[::1\])/i.test(candidate);
    candidate = `${local ? 'http' : 'https'}://${candidate}`;
  }
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    throw new UsageError(`"${text}" is not a server URL (try https://dropline.example.com).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`"${text}" is not an http(s) URL.`);
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** The `exp` of a JWT in milliseconds, or 0 when it cannot be read (then it is refreshed at once). */
export function tokenExpiry(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** Turns a non-2xx response into an error carrying the server's own code and message. */
export async function errorFrom(res: Response, what: string): Promise<CliError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error?.message) return new CliError(body.error.message, body.error.code ?? 'failed', 1, res.status);
  } catch {
    // not JSON: a proxy's error page, say
  }
  return new CliError(`${what}: the server answered ${res.status} ${res.statusText}`.trim(), `http_${res.status}`, 1, res.status);
}

async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw new CliError(`Could not reach ${new URL(url).origin}: ${messageOf(err)}`, 'network_error');
  }
}

export interface RequestOptions {
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A logged-in user: authenticated requests, with the access token refreshed as needed. */
export class Session {
  private constructor(
    private credentials: Credentials,
    private readonly dir: string,
  ) {}

  static async load(dir = configDir()): Promise<Session> {
    const credentials = await readCredentials(dir);
    if (!credentials) throw notLoggedIn();
    return new Session(credentials, dir);
  }

  /** `POST /api/auth/login`, then the credentials are kept for the next commands. */
  static async login(url: string, email: string, password: string, dir = configDir()): Promise<Session> {
    const res = await send(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status === 404 || res.status === 405) throw new CliError(`There is no Dropline server at ${url}.`, 'not_dropline');
    if (!res.ok) throw await errorFrom(res, 'Login failed');
    const body = (await res.json()) as LoginResponse;
    const credentials: Credentials = { url, user: body.user, refreshToken: body.refreshToken, accessToken: body.accessToken };
    await writeCredentials(credentials, dir);
    return new Session(credentials, dir);
  }

  get url(): string {
    return this.credentials.url;
  }

  get user() {
    return this.credentials.user;
  }

  /** An access token good for at least the next half minute. */
  async accessToken(): Promise<string> {
    const { accessToken } = this.credentials;
    if (tokenExpiry(accessToken) - Date.now() > REFRESH_MARGIN_MS) return accessToken;
    return this.refresh(accessToken);
  }

  /**
   * Replaces `stale` with a new access token. Under the lock, another dropline process may have
   * refreshed already: then its tokens are taken from the file instead of spending ours again.
   */
  async refresh(stale: string): Promise<string> {
    return withLock(
      'credentials',
      async () => {
        const onDisk = await readCredentials(this.dir);
        if (!onDisk) throw notLoggedIn();
        if (onDisk.accessToken !== stale && tokenExpiry(onDisk.accessToken) - Date.now() > REFRESH_MARGIN_MS) {
          this.credentials = onDisk;
          return onDisk.accessToken;
        }
        const res = await send(`${onDisk.url}/api/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: onDisk.refreshToken }),
        });
        if (res.status === 401) {
          await deleteCredentials(this.dir);
          throw new CliError(
            `Your login on ${onDisk.url} has ended (expired or signed out). Run \`dropline login ${onDisk.url}\` again.`,
            'session_ended',
          );
        }
        if (!res.ok) throw await errorFrom(res, 'Refreshing the login failed');
        const tokens = (await res.json()) as RefreshResponse;
        this.credentials = { ...onDisk, ...tokens };
        await writeCredentials(this.credentials, this.dir);
        return tokens.accessToken;
      },
      this.dir,
    );
  }

  /** Revokes the login session on the server, then forgets the credentials here. */
  async logout(): Promise<void> {
    try {
      // The access token first: refreshing it replaces the refresh token that the logout names.
      const token = await this.accessToken();
      const res = await send(`${this.url}/api/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ refreshToken: this.credentials.refreshToken }),
      });
      if (!res.ok) throw await errorFrom(res, 'Logout failed');
    } catch (err) {
      // A login that already ended needs no revoking.
      if (!(err instanceof CliError && err.code === 'session_ended')) throw err;
    }
    await deleteCredentials(this.dir);
  }

  /** An authenticated request; a 401 gets one refresh and one retry (the token may have been revoked early). */
  async fetch(pathAndQuery: string, method = 'GET', options: RequestOptions = {}): Promise<Response> {
    const attempt = async (token: string) => {
      const headers: Record<string, string> = { ...options.headers, authorization: `Bearer ${token}` };
      let body: string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json);
      }
      return send(this.url + pathAndQuery, { method, headers, body, signal: options.signal });
    };
    let token = await this.accessToken();
    let res = await attempt(token);
    for (let waits = 0; res.status === 429 && waits < 3; waits++) {
      // Over the server's rate limit: wait as long as it says (within reason), then try again.
      const seconds = Number(res.headers.get('retry-after'));
      if (!Number.isFinite(seconds) || seconds > 60) break;
      await res.body?.cancel();
      await sleep(Math.max(seconds, 1) * 1000, undefined, { signal: options.signal });
      res = await attempt(token);
    }
    if (res.status !== 401) return res;
    await res.body?.cancel();
    token = await this.refresh(token);
    return attempt(token);
  }

  /** JSON in, JSON out; a non-2xx answer becomes an error with the server's message. */
  async json<T>(pathAndQuery: string, method = 'GET', options: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(pathAndQuery, method, options);
    if (!res.ok) throw await errorFrom(res, `${method} ${pathAndQuery}`);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }
}
