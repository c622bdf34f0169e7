import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

// Every route of the public contract, as OpenAPI paths.
const CONTRACT: Array<[string, string]> = [
  ['post', '/api/auth/register'],
  ['post', '/api/auth/login'],
  ['post', '/api/auth/refresh'],
  ['post', '/api/auth/logout'],
  ['get', '/api/auth/me'],
  ['options', '/api/uploads/'],
  ['post', '/api/uploads/'],
  ['head', '/api/uploads/{id}'],
  ['patch', '/api/uploads/{id}'],
  ['delete', '/api/uploads/{id}'],
  ['get', '/api/uploads/{id}'],
  ['get', '/api/files'],
  ['post', '/api/files'],
  ['get', '/api/files/{id}'],
  ['patch', '/api/files/{id}'],
  ['delete', '/api/files/{id}'],
  ['get', '/api/files/{id}/content'],
  ['post', '/api/files/{id}/reprocess'],
  ['get', '/api/jobs'],
  ['get', '/api/jobs/stats'],
  ['get', '/api/jobs/{id}'],
  ['post', '/api/jobs/{id}/retry'],
  ['delete', '/api/jobs/{id}'],
  ['get', '/api/admin/users'],
  ['patch', '/api/admin/users/{id}'],
  ['delete', '/api/admin/users/{id}'],
  ['get', '/api/admin/audit'],
  ['get', '/healthz'],
  ['get', '/readyz'],
];

describe('OpenAPI document', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.stop());

  it('is served at /openapi.yaml and documents every contract route', async () => {
    const res = await s.api.get('/openapi.yaml');
    expect(res.status).toBe(200);
    const doc = parse(res.body as string);
    expect(doc.openapi).toMatch(/^3\.1/);
    const missing = CONTRACT.filter(([method, path]) => !doc.paths?.[path]?.[method]);
    expect(missing).toEqual([]);
  });

  it('documents the contract error envelope', () => {
    const doc = parse(readFileSync(new URL('../../../docs/openapi.yaml', import.meta.url), 'utf8'));
    expect(doc.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message']));
  });
});
