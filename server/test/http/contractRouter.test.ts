import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineRoute, rejectedAs, z } from '@dropline/contract';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../src/http/errors.js';
import { contractRouter } from '../../src/http/route.js';

// A route declared the way every route of the API is, served by a bare express app.
const echo = defineRoute({
  method: 'post',
  path: '/api/things/{id}',
  tags: ['Test'],
  summary: 'Echo',
  params: z.object({ id: z.string().regex(/^\d+$/) }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(10).default(5).meta(rejectedAs('invalid_limit')) }),
  body: z.object({ name: z.string().min(1), tags: z.array(z.string().max(3, { error: 'A tag is at most 3 characters long.' })).optional() }),
  responses: { 201: { description: 'Echoed.', body: z.object({ id: z.string(), limit: z.number(), name: z.string() }) } },
});
const remove = defineRoute({
  method: 'delete',
  path: '/api/things/{id}',
  tags: ['Test'],
  summary: 'Delete',
  responses: { 204: { description: 'Gone.' } },
});

describe('contractRouter', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use(
      '/api/things',
      contractRouter('/api/things')
        .on(echo, ({ params, query, body }) => ({ id: params.id, limit: query.limit, name: body.name }))
        .on(remove, () => undefined),
    );
    app.use(errorHandler);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (path: string, body: unknown) =>
    fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('hands the parsed parts to the handler and answers with the declared status', async () => {
    const res = await post('/api/things/12?limit=3', { name: 'a' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: '12', limit: 3, name: 'a' });
    const defaulted = await post('/api/things/12', { name: 'a' });
    expect(await defaulted.json()).toEqual({ id: '12', limit: 5, name: 'a' });
    const deleted = await fetch(`${base}/api/things/12`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
  });

  it('refuses bad input with the contract error body, naming the field', async () => {
    const missing = await post('/api/things/12', {});
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/^The field name is not valid: .+\.$/);

    const nested = await post('/api/things/12', { name: 'a', tags: ['ok', 'toolong'] });
    expect(await nested.json()).toEqual({ error: { code: 'invalid_request', message: 'A tag is at most 3 characters long.' } });

    const limit = await post('/api/things/12?limit=99', { name: 'a' });
    expect(limit.status).toBe(400);
    expect(((await limit.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'invalid_limit',
      message: expect.stringMatching(/^The query parameter limit is not valid/),
    });

    const param = await post('/api/things/abc', { name: 'a' });
    expect(((await param.json()) as { error: { message: string } }).error.message).toMatch(/^The path parameter id is not valid/);
  });
});
