import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../helpers/testServer.js';

const METRICS_TOKEN = 'metrics-token-0123456789';

describe('/docs and /metrics', () => {
  let s: TestServer;
  let clientDir: string;
  beforeAll(async () => {
    // A built web client, whose index.html answers every other HTML GET: /docs and /metrics must not get it.
    clientDir = await mkdtemp(path.join(tmpdir(), 'dropline-client-'));
    await writeFile(path.join(clientDir, 'index.html'), '<!doctype html><title>CLIENT INDEX</title>');
    s = await startTestServer({ env: { CLIENT_DIR: clientDir, METRICS_TOKEN } });
  });
  afterAll(async () => {
    await s?.stop();
    await rm(clientDir, { recursive: true, force: true });
  });

  it('serves Swagger UI from the package, its initializer as a file the CSP allows', async () => {
    const page = await fetch(`${s.url}/docs`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('CLIENT INDEX');
    expect(html).toContain('<div id="swagger-ui">');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);

    for (const asset of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const res = await fetch(`${s.url}${asset[1]}`);
      expect(res.status, asset[1]).toBe(200);
      expect(new URL(asset[1]!, s.url).origin).toBe(s.url);
    }
    const init = await (await fetch(`${s.url}/docs/init.js`)).text();
    expect(init).toContain("url: '/openapi.json'");
  });

  it('answers /metrics only with the token, in Prometheus text', async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);

    const token = await s.api.login(ADMIN.email, ADMIN.password);
    await s.api.get('/api/files', token);
    const res = await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).not.toContain('CLIENT INDEX');
    expect(text).toMatch(/dropline_http_requests_total\{route="\/api\/files\/",method="GET",status="200"\} 1/);
    expect(text).toMatch(/dropline_http_request_duration_seconds_bucket\{le="[\d.]+",route="\/api\/auth\/login",method="POST"\}/);
    expect(text).toMatch(/dropline_http_received_bytes_total\{route="\/api\/auth\/login"\} [1-9]/);
    expect(text).toMatch(/dropline_uploads_in_progress 0/);
    expect(text).toMatch(/dropline_files\{status="processed"\} 0/);
    expect(text).toMatch(/dropline_jobs\{state="failed"\} 0/);
    expect(text).toContain('# TYPE dropline_job_duration_seconds histogram');
    expect(text).toContain('# TYPE dropline_cache_hits_total counter');
    expect(text).toContain('# TYPE dropline_cache_misses_total counter');
    expect(text).toMatch(/dropline_process_resident_memory_bytes \d+/);
  });
});
