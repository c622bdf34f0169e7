import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ZodObject } from 'zod';
import { ErrorBody } from './common.js';
import type { RouteDef } from './route.js';

export type DocumentInfo = { title: string; version: string; description?: string };

/** The generated document, as plain JSON (served as JSON and YAML). */
export type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, unknown>>; components?: Record<string, Record<string, unknown>> } & Record<string, unknown>;

const jsonOf = (schema: NonNullable<RouteDef['body']>) => ({ 'application/json': { schema } });

/**
 * The OpenAPI 3.1 document of `routes`, generated from the same schemas that validate requests.
 * `extraPaths` carries what schemas cannot express (tus' protocol endpoint), already in OpenAPI form.
 */
export function buildOpenApiDocument(routes: readonly RouteDef[], info: DocumentInfo, extra: { paths?: Record<string, unknown>; tags?: { name: string; description: string }[]; webhooks?: Record<string, unknown> } = {},
): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const route of routes) {
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, r]) => {
        const headers = r.headers && Object.fromEntries(Object.entries(r.headers).map(([name, description]) => [name, { description, schema: { type: 'string' as const } }]));
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
    const requestHeaders = route.headers ? Object.entries(route.headers).map(([name, description]) => ({ in: 'header' as const, name, description, schema: { type: 'string' as const } })) : [];
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
        ...(route.body ? { body: { required: true, content: route.bodyContentType ? { [route.bodyContentType]: { schema: route.body } } : jsonOf(route.body) } } : {}),
      },
      responses,
    });
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info,
    tags: extra.tags,
    servers: [{ url: '/' }],
  });
  return {
    ...document,
    paths: { ...document.paths, ...extra.paths } as OpenApiDocument['paths'],
    ...(extra.webhooks ? { webhooks: extra.webhooks } : {}),
  } as OpenApiDocument;
}
