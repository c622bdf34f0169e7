import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ZodObject, ZodType } from 'zod';
import { ErrorBody } from './common.js';
import type { RouteDef } from './route.js';

export type DocumentInfo = { title: string; version: string; description?: string };

/** The generated document, as plain JSON (served as JSON and YAML). */
export type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
} & Record<string, unknown>;

const jsonOf = (schema: NonNullable<RouteDef['body']>) => ({ 'application/json': { schema } });

/** What every authenticated route may answer besides its own responses. */
function authFailures(route: RouteDef): RouteDef['responses'] {
  if (route.auth === 'none') return {};
  const unauthorized = {
    description: 'No, a bad or an expired access token (`unauthorized`, `invalid_token`, `token_expired`); with `WWW-Authenticate: Bearer`.',
  };
  return route.auth === 'admin' ? { 401: unauthorized, 403: { description: 'Not an admin (`forbidden`).' } } : { 401: unauthorized };
}

/**
 * The OpenAPI 3.1 document of `routes`, generated from the same schemas that validate requests.
 * `events` (Socket.IO) become webhooks: server-initiated messages with a payload schema.
 */
export function buildOpenApiDocument(
  routes: readonly RouteDef[],
  info: DocumentInfo,
  extra: { tags?: { name: string; description: string }[]; events?: { name: string; payload: ZodType; description: string }[] } = {},
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const route of routes) {
    const responses = Object.fromEntries(
      Object.entries({ ...authFailures(route), ...route.responses }).map(([status, r]) => {
        const headers =
          r.headers &&
          Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' as const } }]));
        const content = r.body
          ? jsonOf(r.body)
          : r.contentType
            ? { [r.contentType]: { schema: { type: 'string' as const } } }
            : Number(status) >= 400
              ? jsonOf(ErrorBody)
              : undefined;
        return [status, { description: r.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) }];
      }),
    );
    const requestHeaders = route.headers
      ? Object.entries(route.headers).map(([name, description]) => ({
          in: 'header' as const,
          name,
          description,
          schema: { type: 'string' as const },
        }))
      : [];
    registry.registerPath({
      method: route.method,
      path: route.path,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      security: route.auth === 'none' ? [] : [{ [bearer.name]: [] }],
      ...(requestHeaders.length > 0 ? { parameters: requestHeaders } : {}),
      request: {
        ...(route.params ? { params: route.params } : {}),
        ...(route.query ? { query: route.query as ZodObject } : {}),
        ...(route.body
          ? { body: { required: true, content: route.bodyContentType ? { [route.bodyContentType]: { schema: route.body } } : jsonOf(route.body) } }
          : {}),
      },
      responses,
    });
  }
  for (const event of extra.events ?? []) {
    registry.registerWebhook({
      method: 'post',
      path: event.name,
      summary: `Socket.IO event \`${event.name}\``,
      description: `Sent to: ${event.description}`,
      tags: ['Real time'],
      request: { body: { content: jsonOf(event.payload) } },
      responses: { 200: { description: 'Socket.IO events are not answered.' } },
    });
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info,
    tags: extra.tags,
    servers: [{ url: '/' }],
  });
  // Plain JSON: what is served, and what tests read.
  return JSON.parse(JSON.stringify(document)) as OpenApiDocument;
}
