import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

describe('connection timeouts', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.stop());

  it('lets a request body take as long as it needs, closes silent connections, and bounds header time', () => {
    // Node's default (5 minutes for a whole request) would cut a multi-GB upload over a slow link.
    expect(s.server.requestTimeout).toBe(0);
    expect(s.server.timeout).toBeGreaterThan(0);
    expect(s.server.timeout).toBeLessThanOrEqual(300_000);
    expect(s.server.headersTimeout).toBeGreaterThan(0);
    expect(s.server.headersTimeout).toBeLessThanOrEqual(60_000);
  });
});
