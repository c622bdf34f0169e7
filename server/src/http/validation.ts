import type { z } from 'zod';
import { badRequest } from './errors.js';

/**
 * Validates a JSON body against a zod schema. A rule that throws its own HttpError (with a precise
 * code) is not caught by zod and keeps it; anything else is a 400 naming the first problem's field.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') throw badRequest(`These fields cannot be changed here: ${issue.keys.join(', ')}.`);
  const field = issue?.path.join('.') || 'body';
  throw badRequest(`The request body is not valid (${field}: ${issue?.message ?? 'invalid'}).`);
}
