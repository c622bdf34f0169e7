import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket, socketRefusal } from '../helpers/sockets.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

describe('Socket.IO handshake', () => {
  let s: TestServer;
  let user: Awaited<ReturnType<TestServer['api']['newUser']>>;
  beforeAll(async () => {
    s = await startTestServer();
    user = await s.api.newUser();
  });
  afterAll(() => s?.stop());

  it('accepts a valid access token', async () => {
    const socket = await openSocket(s.url, user.token);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it.each([
    ['a missing token', undefined, 'unauthorized'],
    ['garbage', 'not-a-jwt', 'invalid_token'],
    ['a token signed with another secret', jwt.sign({ role: 'user' }, 'x'.repeat(40), { subject: 'u', expiresIn: 60 }), 'invalid_token'],
  ])('refuses %s with a readable error', async (_what, token, code) => {
    const err = await socketRefusal(s.url, token);
    expect(err).toBeInstanceOf(Error);
    expect(err.data?.code).toBe(code);
    expect(err.message).toMatch(/[A-Z].*\.$/);
  });

  it('refuses an expired token with token_expired, so the client knows to refresh', async () => {
    const expired = jwt.sign({ role: 'user', exp: Math.floor(Date.now() / 1000) - 5 }, s.config.jwtSecret, { subject: user.id });
    const err = await socketRefusal(s.url, expired);
    expect(err.data?.code).toBe('token_expired');
  });

  it('ends a connection when its token expires, so the client reconnects with a fresh one', async () => {
    const shortLived = jwt.sign({ role: 'user' }, s.config.jwtSecret, { subject: user.id, expiresIn: 2 });
    const socket = await openSocket(s.url, shortLived);
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    socket.close();
  });
});
