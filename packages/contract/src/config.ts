import { z } from 'zod';
import { defineRoute } from './route.js';

export const UploadConfig = z
  .object({
    maxUploadSize: z.number().int().nullable().meta({ description: 'The largest file in bytes.' }),
    allowedFileTypes: z.array(z.string()).nullable().meta({ description: 'Extensions and MIME types accepted; null: any.' }),
    uploadExpiration: z.number().int().meta({ description: 'Seconds an unfinished upload is kept.' }),
  })
  .meta({ id: 'UploadConfig' });
export type UploadConfig = z.infer<typeof UploadConfig>;

export const configRoutes = {
  get: defineRoute({
    method: 'get',
    path: '/api/config',
    tags: ['Uploads'],
    summary: 'The limits a client should check before it starts an upload',
    responses: { 200: { description: 'The limits.', body: UploadConfig } },
  }),
};
