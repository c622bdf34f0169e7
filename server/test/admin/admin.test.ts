import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../helpers/services.js';
import { openSocket } from '../helpers/sockets.js';
import { ADMIN, errorCode, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';
import { TUS_RESUMABLE, createUpload, randomData, uploadFile } from '../helpers/tus.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

describe.each(databases)('administration on %s', (database) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer({ database });
    admin = await s.api.login(ADMIN.email, ADMIN.password);
  });
  afterAll(() => s?.stop());

  const adminId = async () => (await s.api.get('/api/auth/me', admin)).body.id as string;

  it('is for admins only: 403 for a user, 401 without a token', async () => {
    const user = await s.api.newUser('plain');
    for (const [method, url] of [
      ['GET', '/api/admin/users'],
      ['PATCH', `/api/admin/users/${user.id}`],
      ['DELETE', `/api/admin/users/${user.id}`],
      ['GET', '/api/admin/audit'],
    ] as const) {
      const res = await s.api.request(method, url, { token: user.token, json: method === 'PATCH' ? { role: 'admin' } : undefined });
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(errorCode(res)).toBe('forbidden');
      expect((await s.api.request(method, url)).status).toBe(401);
    }
  });

  it('lists users newest first with usage, searches by email and pages with a cursor', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await s.api.newUser(`list-${tag}`));
    await uploadFile(s.api, made[0]!.token, randomData(1000), { filename: 'a.bin' });

    const first = await s.api.get(`/api/admin/users?q=${tag}&limit=2`, admin);
    expect(first.status).toBe(200);
    expect(first.body.items.map((u: { id: string }) => u.id)).toEqual([made[2]!.id, made[1]!.id]);
    expect(first.body.items[0]).toEqual({
      id: made[2]!.id,
      email: made[2]!.email,
      displayName: made[2]!.email.split('@')[0],
      role: 'user',
      disabled: false,
      createdAt: expect.any(String),
      usage: { bytes: 0, files: 0, reservedBytes: 0, quotaBytes: null },
    });
    const second = await s.api.get(`/api/admin/users?q=${tag}&limit=2&cursor=${first.body.nextCursor}`, admin);
    expect(second.body.items.map((u: { id: string }) => u.id)).toEqual([made[0]!.id]);
    expect(second.body.items[0].usage).toEqual({ bytes: 1000, files: 1, reservedBytes: 0, quotaBytes: null });
    expect(second.body.nextCursor).toBeNull();

    for (const bad of ['limit=0', 'limit=101', 'cursor=nonsense', 'other=1']) {
      const res = await s.api.get(`/api/admin/users?${bad}`, admin);
      expect(res.status, bad).toBe(400);
      expect(errorCode(res)).toBe('invalid_query');
    }
  });

  it('shows the own usage in GET /api/auth/me', async () => {
    const user = await s.api.newUser('me');
    await uploadFile(s.api, user.token, randomData(321), { filename: 'x.bin' });
    const me = await s.api.get('/api/auth/me', user.token);
    expect(me.body).toMatchObject({
      id: user.id,
      email: user.email,
      role: 'user',
      usage: { bytes: 321, files: 1, reservedBytes: 0, quotaBytes: null },
    });
  });

  it('changes role and quota, validating the body', async () => {
    const user = await s.api.newUser('patch');
    const promoted = await s.api.patch(`/api/admin/users/${user.id}`, { role: 'admin', quotaBytes: 5000 }, admin);
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ id: user.id, role: 'admin', disabled: false, usage: { quotaBytes: 5000 } });
    // The role applies at once, not when the user's token expires.
    expect((await s.api.get('/api/admin/users', user.token)).status).toBe(200);
    expect((await s.api.patch(`/api/admin/users/${user.id}`, { role: 'user', quotaBytes: null }, admin)).body).toMatchObject({
      role: 'user',
      usage: { quotaBytes: null },
    });
    expect((await s.api.get('/api/admin/users', user.token)).status).toBe(403);

    for (const body of [{}, { role: 'root' }, { disabled: 'yes' }, { quotaBytes: -1 }, { quotaBytes: 1.5 }, { email: 'x@y.z' }]) {
      const res = await s.api.patch(`/api/admin/users/${user.id}`, body, admin);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe('invalid_request');
    }
    expect((await s.api.patch('/api/admin/users/no-such-user', { role: 'user' }, admin)).status).toBe(404);
    expect((await s.api.delete('/api/admin/users/no-such-user', admin)).status).toBe(404);
  });

  it('disabling a user ends their access tokens, refresh tokens and sockets at once', async () => {
    const user = await s.api.newUser('disable');
    const socket = await openSocket(s.url, user.token);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    const res = await s.api.patch(`/api/admin/users/${user.id}`, { disabled: true }, admin);
    expect(res.status).toBe(200);
    expect(res.body.disabled).toBe(true);
    expect(await closed).toBe('io server disconnect');

    const refused = await s.api.get('/api/files', user.token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(errorCode(refused)).toBe('invalid_token');
    expect((await createUpload(s.api, user.token, { length: 10, metadata: { filename: 'a' } })).status).toBe(401);
    expect((await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    await expect(openSocket(s.url, user.token)).rejects.toMatchObject({ data: { code: 'invalid_token' } });
    const login = await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' });
    expect(login.status).toBe(403);
    expect(errorCode(login)).toBe('account_disabled');

    // Enabled again, the user signs in anew (the old sessions stay ended).
    await s.api.patch(`/api/admin/users/${user.id}`, { disabled: false }, admin);
    expect((await s.api.post('/api/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' })).status).toBe(200);
  });

  it('never demotes, disables or deletes the last active admin (409)', async () => {
    const id = await adminId();
    for (const [method, body] of [
      ['PATCH', { role: 'user' }],
      ['PATCH', { disabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const res = await s.api.request(method, `/api/admin/users/${id}`, { token: admin, json: body });
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(409);
      expect(errorCode(res)).toBe('last_admin');
    }
    expect((await s.api.get('/api/auth/me', admin)).body.role).toBe('admin');

    // With a second admin, the first may step down; then the second is the last one.
    const other = await s.api.newUser('second-admin');
    await s.api.patch(`/api/admin/users/${other.id}`, { role: 'admin' }, admin);
    expect((await s.api.patch(`/api/admin/users/${id}`, { role: 'user' }, other.token)).status).toBe(200);
    expect((await s.api.patch(`/api/admin/users/${other.id}`, { disabled: true }, other.token)).status).toBe(409);
    expect((await s.api.patch(`/api/admin/users/${id}`, { role: 'admin' }, other.token)).status).toBe(200);
    await s.api.delete(`/api/admin/users/${other.id}`, admin);
  });

  it('two admins demoting each other at once: one of them stays admin', async () => {
    const one = await s.api.newUser('race-one');
    const two = await s.api.newUser('race-two');
    const me = await adminId();
    await s.api.patch(`/api/admin/users/${one.id}`, { role: 'admin' }, admin);
    await s.api.patch(`/api/admin/users/${two.id}`, { role: 'admin' }, admin);
    await s.api.patch(`/api/admin/users/${me}`, { role: 'user' }, one.token);
    const results = await Promise.all([
      s.api.patch(`/api/admin/users/${two.id}`, { role: 'user' }, one.token),
      s.api.patch(`/api/admin/users/${one.id}`, { role: 'user' }, two.token),
    ]);
    const statuses = results.map((r) => r.status).sort();
    // Either one wins and the other gets 409, or the loser already lost its admin role (403).
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const admins = await withDatabase(s, (db) => db.selectFrom('users').select('id').where('role', '=', 'admin').execute());
    expect(admins.length).toBe(1);
    const survivor = results[0]!.status === 200 ? one.token : two.token;
    await s.api.patch(`/api/admin/users/${me}`, { role: 'admin' }, survivor);
  });

  it('deleting a user removes their files (bytes too), uploads and account', async () => {
    const user = await s.api.newUser('delete');
    const fileId = await uploadFile(s.api, user.token, randomData(2000), { filename: 'gone.bin' });
    const unfinished = await createUpload(s.api, user.token, { length: 5000, metadata: { filename: 'half.bin' } });
    expect(unfinished.status).toBe(201);
    const bytes = path.join(s.storageDir, 'uploads', fileId);
    expect(existsSync(bytes)).toBe(true);

    const res = await s.api.delete(`/api/admin/users/${user.id}`, admin);
    expect(res.status).toBe(204);
    expect(existsSync(bytes)).toBe(false);
    expect(existsSync(path.join(s.storageDir, 'uploads', unfinished.id))).toBe(false);
    expect((await s.api.get(`/api/files/${fileId}`, admin)).status).toBe(404);
    expect((await s.api.get('/api/files', user.token)).status).toBe(401);
    expect((await s.api.request('HEAD', unfinished.path, { token: admin, headers: TUS_RESUMABLE })).status).toBe(404);
    expect((await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' })).status).toBe(401);
    expect((await s.api.get(`/api/admin/users?q=${encodeURIComponent(user.email)}`, admin)).body.items).toEqual([]);
  });

  it('keeps an audit trail of each action, newest first, filtered, without secrets', async () => {
    const start = new Date().toISOString();
    const user = await s.api.newUser('audited');
    const me = await adminId();
    await s.api.post('/api/auth/login', { email: user.email, password: 'not the password' });
    const session = await s.api.post('/api/auth/login', { email: user.email, password: 'correct horse battery' });
    const fileId = await uploadFile(s.api, user.token, randomData(10), { filename: 'audit.txt' });
    await s.api.patch(`/api/files/${fileId}`, { title: 'New title' }, user.token);
    await s.api.delete(`/api/files/${fileId}`, user.token);
    await s.api.post('/api/auth/logout', { refreshToken: session.body.refreshToken }, session.body.accessToken);
    await s.api.patch(`/api/admin/users/${user.id}`, { quotaBytes: 1000 }, admin);
    await s.api.delete(`/api/admin/users/${user.id}`, admin);

    const all = await s.api.get(`/api/admin/audit?from=${start}&limit=100`, admin);
    expect(all.status).toBe(200);
    const items = all.body.items as Array<{
      at: string;
      action: string;
      actor: { id: string; email: string } | null;
      targetId: string;
      ip: string;
      requestId: string;
    }>;
    const mine = items.filter((i) => i.targetId === user.id || i.targetId === fileId);
    expect(mine.map((i) => i.action).reverse()).toEqual([
      'auth.register',
      'auth.login_failed',
      'auth.login',
      'file.create',
      'file.update',
      'file.delete',
      'auth.logout',
      'user.update',
      'user.delete',
    ]);
    const at = items.map((i) => i.at);
    expect([...at].sort().reverse()).toEqual(at);
    const update = mine.find((i) => i.action === 'user.update')!;
    expect(update).toMatchObject({
      actor: { id: me, email: ADMIN.email },
      targetType: 'user',
      details: { quotaBytes: 1000 },
      ip: expect.any(String),
      requestId: expect.any(String),
    });
    // The deleted account is still named in its own entries.
    expect(mine.find((i) => i.action === 'file.create')!.actor).toEqual({ id: user.id, email: user.email });
    expect(mine.find((i) => i.action === 'auth.login_failed')!.actor).toBeNull();

    const text = JSON.stringify(items);
    for (const secret of ['correct horse battery', 'not the password', user.token, user.refreshToken, session.body.refreshToken])
      expect(text).not.toContain(secret);

    const byActor = await s.api.get(`/api/admin/audit?actor=${me}&action=user.update&from=${start}`, admin);
    expect(byActor.body.items.map((i: { action: string }) => i.action)).toEqual(['user.update']);
    const byEmail = await s.api.get(`/api/admin/audit?actor=${encodeURIComponent(user.email)}&action=file.&from=${start}`, admin);
    expect(byEmail.body.items.map((i: { action: string }) => i.action)).toEqual(['file.delete', 'file.update', 'file.create']);
    const paged = await s.api.get(`/api/admin/audit?from=${start}&limit=2`, admin);
    const next = await s.api.get(`/api/admin/audit?from=${start}&limit=2&cursor=${paged.body.nextCursor}`, admin);
    expect(next.body.items[0].at <= paged.body.items[1].at).toBe(true);
    expect(next.body.items.map((i: { id: string }) => i.id)).not.toContain(paged.body.items[1].id);
    expect((await s.api.get(`/api/admin/audit?to=2000-01-01`, admin)).body.items).toEqual([]);
    expect((await s.api.get(`/api/admin/audit?from=yesterday`, admin)).status).toBe(400);
  });
});
