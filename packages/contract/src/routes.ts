import { z } from 'zod';
import { adminRoutes } from './admin.js';
import { authRoutes } from './auth.js';
import { configRoutes } from './config.js';
import { SOCKET_EVENTS } from './events.js';
import { fileRoutes } from './files.js';
import { healthRoutes } from './health.js';
import { jobRoutes } from './jobs.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.js';
import { requestRoutes } from './requests.js';
import { defineRoute, type RouteDef } from './route.js';
import { shareRoutes } from './shares.js';
import { tusRoutes } from './uploads.js';

export const docsRoutes = {
  json: defineRoute({
    method: 'get',
    path: '/openapi.json',
    tags: ['Operations'],
    summary: 'This document',
    auth: 'none',
    responses: { 200: { description: 'OpenAPI 3.1, generated from the schemas that validate requests.', body: z.record(z.string(), z.unknown()) } },
  }),
  ui: defineRoute({
    method: 'get',
    path: '/docs',
    tags: ['Operations'],
    summary: 'This document, as an interactive reference (Swagger UI, served locally)',
    auth: 'none',
    responses: { 200: { description: 'The reference page.', contentType: 'text/html' } },
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    tags: ['Operations'],
    summary: 'Prometheus metrics',
    description:
      'HTTP requests by route and status with a latency histogram, bytes received, uploads in progress, files by status, jobs by state with their ' +
      'durations, cache hits and misses, process metrics. With `METRICS_TOKEN` set, it needs `Authorization: Bearer <METRICS_TOKEN>`.',
    auth: 'none',
    responses: {
      200: { description: 'Prometheus text exposition format.', contentType: 'text/plain; version=0.0.4' },
      401: { description: '`METRICS_TOKEN` is set and the request does not carry it.' },
    },
  }),
  yaml: defineRoute({
    method: 'get',
    path: '/openapi.yaml',
    tags: ['Operations'],
    summary: 'This document, as YAML',
    auth: 'none',
    responses: { 200: { description: 'The same document as /openapi.json.', contentType: 'application/yaml' } },
  }),
};

/** Every route of the public API. A route missing here is missing from the OpenAPI document (a test checks the mounted ones). */
export const API_ROUTES: readonly RouteDef[] = [
  ...Object.values(authRoutes),
  ...Object.values(fileRoutes),
  ...Object.values(tusRoutes),
  ...Object.values(requestRoutes),
  ...Object.values(configRoutes),
  ...Object.values(jobRoutes),
  ...Object.values(shareRoutes),
  ...Object.values(adminRoutes),
  ...Object.values(healthRoutes),
  ...Object.values(docsRoutes),
];

const TAGS = [
  { name: 'Accounts', description: 'Register, sign in, tokens. Every other call needs `Authorization: Bearer <accessToken>`.' },
  { name: 'Files', description: "A user sees only their own files (admins all, with `owner=all`); someone else's file is 404, never 403." },
  { name: 'Uploads', description: 'Limits and the plain (multipart) upload.' },
  { name: 'Uploads (tus)', description: 'Resumable uploads, tus 1.0.0 at `/api/uploads/`.' },
  {
    name: 'File requests',
    description:
      'Links through which people without an account upload to you. The public calls (`/api/public/requests/...`) need no account; uploads go to ' +
      'the tus endpoint with `Authorization: Request <token>` (or `Request <token>:<accessToken>` once a password is unlocked) and become your files.',
  },
  { name: 'Processing', description: 'Background processing of finished uploads; job administration is for admins (others 403).' },
  {
    name: 'Real time',
    description:
      'Socket.IO at `/socket.io`: `io(origin, { auth: { token } })`. The server sends the events listed under *Webhooks* (they are Socket.IO ' +
      'events, not HTTP callbacks); a refused handshake has `data.code` `unauthorized`, `invalid_token` or `token_expired`.',
  },
  {
    name: 'Sharing',
    description:
      'Public links to files. The owner manages shares with an account token; visitors use the public calls under `/api/public/shares/{token}` with no account ' +
      '(a share with a password needs the access token its unlock gives).',
  },
  { name: 'Administration', description: 'Accounts, quotas and the audit trail, for admins (others 403).' },
  { name: 'Operations', description: 'Health, metrics, this document.' },
];

/** The whole document: every declared route, plus the Socket.IO events as webhooks (the closest OpenAPI has). */
export function apiDocument(version: string): OpenApiDocument {
  return buildOpenApiDocument(
    API_ROUTES,
    {
      title: 'Dropline',
      version,
      description:
        'Self-hosted transfer of very large files. Every error is `{"error":{"code":"snake_case","message":"..."}}` with the right status. ' +
        'This document is generated from the schemas in `@dropline/contract` that also validate requests.',
    },
    {
      tags: TAGS,
      events: Object.entries(SOCKET_EVENTS).map(([name, event]) => ({ name, payload: event.payload, description: event.audience })),
    },
  );
}
