import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, type StartOptions, type TestServer } from '../../../server/test/helpers/testServer.js';
import { CliUser } from './cli.js';
import { startProxy, type CountingProxy } from './proxy.js';

export const PASSWORD = 'correct horse battery';

/**
 * A real Dropline server (in this process, temporary STORAGE_DIR, SQLite) reached through a
 * counting proxy. `restart()` starts a new server on the same storage and points the proxy at it,
 * so the clients' URL stays the same across the restart.
 */
export interface Dropline {
  server: TestServer;
  proxy: CountingProxy;
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** A new account: its email, id and an access token for checks made behind the client's back. */
  newUser(): Promise<{ email: string; id: string; token: string }>;
  /** SHA-256 of a stored file's bytes, fetched from the server. */
  storedSha256(id: string, token: string): Promise<string>;
}

export async function startDropline(options: StartOptions = {}): Promise<Dropline> {
  let server = await startTestServer(options);
  const proxy = await startProxy(server.port);
  const self: Dropline = {
    get server() {
      return server;
    },
    proxy,
    url: proxy.url,
    restart: async () => {
      server = await server.restart();
      proxy.retarget(server.port);
    },
    stop: async () => {
      await proxy.close();
      await server.stop();
    },
    newUser: async () => {
      const user = await server.api.newUser('cli');
      return { email: user.email, id: user.id, token: user.token };
    },
    storedSha256: async (id, token) => {
      const res = await fetch(`${server.url}/api/files/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`content of ${id}: ${res.status}`);
      const hash = createHash('sha256');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('hex');
    },
  };
  return self;
}

export interface Session {
  dropline: Dropline;
  /** A person with a login on `dropline`. */
  cli: CliUser;
  user: { email: string; id: string; token: string };
}

/** For a test file: a server and a logged-in person, ready before its tests and removed after them. */
export function loggedIn(options: StartOptions = {}): Session {
  const session = {} as Session;
  beforeAll(async () => {
    session.dropline = await startDropline(options);
    session.cli = await CliUser.create();
    session.user = await session.dropline.newUser();
    await session.cli.login(session.dropline.url, session.user.email, PASSWORD);
  });
  afterAll(async () => {
    await session.cli?.cleanup();
    await session.dropline?.stop();
  });
  return session;
}
