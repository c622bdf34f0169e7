import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

interface Layer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/**
 * Every route the running app has mounted, as OpenAPI `[method, path]`, read from express' own
 * router stacks: a route added anywhere without a declaration in @dropline/contract shows up here.
 * Regular-expression paths and `/` are the web client's (served, not part of the API).
 */
function mountedRoutes(app: Express): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = [layer.route.path].flat();
        for (const path of paths) {
          if (typeof path !== 'string') continue;
          const full = (prefix + path).replace(/\/$/, '') || '/';
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all')) found.push([method, full]);
        }
      } else if (layer.handle.stack && typeof (layer.rawPath ?? '/') === 'string') {
        const mount = (layer.rawPath as string | undefined) ?? '/';
        walk(layer.handle.stack, mount === '/' ? prefix : prefix + mount);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found.filter(([, path]) => path !== '/').map(([method, path]): [string, string] => [method, path.replace(/:(\w+)/g, '{$1}')]);
}

const documented = (doc: { paths: Record<string, Record<string, unknown>> }, method: string, path: string) =>
  Boolean(doc.paths[path]?.[method] ?? doc.paths[`${path}/`]?.[method]);

describe('OpenAPI document', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.stop());

  it('is generated at /openapi.json, and /openapi.yaml is the same document', async () => {
    const json = await s.api.get('/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\.1/);
    const yaml = await s.api.get('/openapi.yaml');
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(parse(yaml.body as string)).toEqual(json.body);
  });

  it('documents every route the app has mounted', async () => {
    const doc = (await s.api.get('/openapi.json')).body;
    const mounted = mountedRoutes(s.app);
    // The walk itself must see the routers (or this test could not fail).
    expect(mounted).toEqual(
      expect.arrayContaining([
        ['get', '/api/files/{id}'],
        ['post', '/api/auth/login'],
        ['get', '/healthz'],
      ]),
    );
    expect(mounted.filter(([method, path]) => !documented(doc, method, path))).toEqual([]);
  });

  it('documents the tus protocol and the Socket.IO events', async () => {
    const doc = (await s.api.get('/openapi.json')).body;
    for (const method of ['options', 'post']) expect(doc.paths['/api/uploads/'][method]).toBeDefined();
    for (const method of ['head', 'patch', 'delete', 'get']) expect(doc.paths['/api/uploads/{id}'][method]).toBeDefined();
    expect(Object.keys(doc.webhooks)).toEqual(expect.arrayContaining(['file:created', 'file:updated', 'file:deleted']));
    expect(doc.components.schemas.File.required).toEqual(expect.arrayContaining(['id', 'filename', 'status', 'owner']));
  });

  it('documents the contract error envelope and the code a field fails with', async () => {
    const doc = (await s.api.get('/openapi.json')).body;
    expect(doc.components.schemas.Error.properties.error.required).toEqual(expect.arrayContaining(['code', 'message']));
    expect(doc.components.schemas.RegisterRequest.properties.email['x-error-code']).toBe('invalid_email');
  });
});
