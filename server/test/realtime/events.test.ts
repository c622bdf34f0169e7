import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, redisAvailable } from '../helpers/services.js';
import { collect, openSocket } from '../helpers/sockets.js';
import { ADMIN, startTestServer, type TestServer } from '../helpers/testServer.js';
import { uploadFile } from '../helpers/tus.js';

type User = Awaited<ReturnType<TestServer['api']['newUser']>>;

describe('file events over Socket.IO', () => {
  let s: TestServer;
  let owner: User;
  let other: User;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    s = await startTestServer();
    owner = await s.api.newUser('owner');
    other = await s.api.newUser('other');
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await s?.stop();
  });

  const listen = async (token: string) => {
    const socket = await openSocket(s.url, token);
    sockets.push(socket);
    return { created: collect(socket, 'file:created'), updated: collect(socket, 'file:updated'), deleted: collect(socket, 'file:deleted') };
  };

  it('announces an upload to everyone, and its changes and deletion to the owner (and admins) only', async () => {
    const mine = await listen(owner.token);
    const theirs = await listen(other.token);
    const admins = await listen(await s.api.login(ADMIN.email, ADMIN.password));

    const id = await uploadFile(s.api, owner.token, Buffer.from('hello world\n'), { filename: 'hello.txt', title: 'Secret title' });
    await expect.poll(() => theirs.created.length).toBe(1);
    const displayName = owner.email.split('@')[0];
    expect(theirs.created[0]).toEqual({
      id,
      filename: 'hello.txt',
      size: 12,
      mimeType: 'text/plain',
      owner: { id: owner.id, displayName },
      createdAt: expect.any(String),
    });
    // Nobody collects addresses from announcements, not even in a field the client ignores.
    expect(JSON.stringify(theirs.created)).not.toContain('@');
    expect(mine.created).toEqual(theirs.created);
    expect(admins.created).toEqual(theirs.created);

    // Processing moves the file to processing, then processed: each change reaches the owner.
    await expect.poll(() => mine.updated.map((f) => f.status)).toEqual(['processing', 'processed']);
    expect(mine.updated.at(-1)).toMatchObject({
      id,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      title: 'Secret title',
      owner: { id: owner.id },
    });

    await s.api.patch(`/api/files/${id}`, { title: 'Renamed' }, owner.token);
    await expect.poll(() => mine.updated.at(-1)?.title).toBe('Renamed');

    await s.api.delete(`/api/files/${id}`, owner.token);
    await expect.poll(() => mine.deleted).toEqual([{ id }]);
    expect(admins.deleted).toEqual([{ id }]);
    expect(admins.updated.length).toBe(mine.updated.length);
    // Someone else hears that a file arrived, never what happens to it afterwards.
    expect(theirs.updated).toEqual([]);
    expect(theirs.deleted).toEqual([]);
  });
});

describe('file events with ANNOUNCE_UPLOADS=owner', () => {
  let s: TestServer;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    s = await startTestServer({ env: { ANNOUNCE_UPLOADS: 'owner' } });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await s?.stop();
  });

  const listen = async (token: string) => {
    const socket = await openSocket(s.url, token);
    sockets.push(socket);
    return collect(socket, 'file:created');
  };

  it('announces an upload to its owner and admins only', async () => {
    const owner = await s.api.newUser('owner');
    const other = await s.api.newUser('other');
    await s.api.patch('/api/auth/me', { displayName: 'The Owner' }, owner.token);
    const mine = await listen(owner.token);
    const theirs = await listen(other.token);
    const admins = await listen(await s.api.login(ADMIN.email, ADMIN.password));

    const id = await uploadFile(s.api, owner.token, Buffer.from('private\n'), { filename: 'private.txt' });
    await expect.poll(() => mine.map((f) => f.id)).toEqual([id]);
    await expect.poll(() => admins.map((f) => f.id)).toEqual([id]);
    expect(mine[0].owner).toEqual({ id: owner.id, displayName: 'The Owner' });
    // A socket's events arrive in order: once the other user hears of their own later upload,
    // the owner's announcement would have come before it, had it been sent to them.
    const theirId = await uploadFile(s.api, other.token, Buffer.from('mine\n'), { filename: 'theirs.txt' });
    await expect.poll(() => theirs.map((f) => f.id)).toEqual([theirId]);
  });
});

const withRedis = await redisAvailable();

describe.skipIf(!withRedis)('two server processes on one Redis', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    // Two nodes sharing Redis and one database, as behind a load balancer.
    a = await startTestServer({ env: { REDIS_URL } });
    b = await startTestServer({
      env: {
        REDIS_URL,
        DATABASE_URL: a.config.databaseUrl,
        STORAGE_DIR: a.storageDir,
        REDIS_PREFIX: a.config.redisPrefix,
        JWT_SECRET: a.config.jwtSecret,
      },
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.stop();
  });

  it('delivers an upload finished on one node to a client connected to the other', async () => {
    const user = await a.api.newUser();
    const socket = await openSocket(b.url, user.token);
    const created = collect(socket, 'file:created');
    const updated = collect(socket, 'file:updated');
    try {
      const id = await uploadFile(a.api, user.token, Buffer.from('cross-node\n'), { filename: 'far.txt' });
      await expect.poll(() => created.map((f) => f.id)).toEqual([id]);
      await expect.poll(() => updated.at(-1)?.status, { timeout: 10_000 }).toBe('processed');
    } finally {
      socket.close();
    }
  });
});
