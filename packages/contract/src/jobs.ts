import { z } from 'zod';
import { cursorPage, Id, IdParams, IsoDateTime, rejectedAs } from './common.js';
import { defineRoute } from './route.js';

export const JOB_STATES = ['queued', 'processing', 'completed', 'failed'] as const;
export const JobState = z.enum(JOB_STATES).meta({ id: 'JobState' });
export type JobState = z.infer<typeof JobState>;

/** A processing job, as admins see it. */
export const Job = z
  .object({
    id: Id,
    fileId: Id,
    type: z.string(),
    state: JobState,
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    finishedAt: IsoDateTime.nullable(),
  })
  .meta({ id: 'Job' });
export type Job = z.infer<typeof Job>;

export const JobStats = z
  .object({ queued: z.number().int(), processing: z.number().int(), completed: z.number().int(), failed: z.number().int() })
  .meta({ id: 'JobStats' });
export type JobStats = z.infer<typeof JobStats>;

const limitError = 'limit must be a whole number from 1 to 100.';

export const JobListQuery = z.object({
  status: z
    .enum(JOB_STATES, { error: `status must be one of ${JOB_STATES.join(', ')}.` })
    .optional()
    .meta({ ...rejectedAs('invalid_status'), description: 'Only jobs in this state.' }),
  limit: z
    .string({ error: limitError })
    .transform(Number)
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 100, { error: limitError })
    .optional()
    .meta({ ...rejectedAs('invalid_limit'), type: 'integer', minimum: 1, maximum: 100, default: 20 }),
  cursor: z
    .string({ error: 'The cursor is not valid.' })
    .optional()
    .meta({ ...rejectedAs('invalid_cursor'), description: 'The `nextCursor` of the previous page (opaque).' }),
});
export type JobListQuery = z.output<typeof JobListQuery>;

export const JobPage = cursorPage(Job).meta({ id: 'JobPage' });

const noJob = { description: 'No job with this id.' };

/** Admin only: everyone else gets 403. */
export const jobRoutes = {
  list: defineRoute({
    method: 'get',
    path: '/api/jobs',
    tags: ['Processing'],
    summary: 'List processing jobs',
    description: 'Newest first, cursor-paginated like files.',
    auth: 'admin',
    query: JobListQuery,
    responses: {
      200: { description: 'A page of jobs.', body: JobPage },
      400: { description: 'A bad `status` (`invalid_status`), `limit` (`invalid_limit`) or `cursor` (`invalid_cursor`).' },
    },
  }),
  stats: defineRoute({
    method: 'get',
    path: '/api/jobs/stats',
    tags: ['Processing'],
    summary: 'How many jobs are in each state',
    auth: 'admin',
    responses: { 200: { description: 'Counts by state.', body: JobStats } },
  }),
  get: defineRoute({
    method: 'get',
    path: '/api/jobs/{id}',
    tags: ['Processing'],
    summary: 'One job',
    auth: 'admin',
    params: IdParams,
    responses: { 200: { description: 'The job.', body: Job }, 404: noJob },
  }),
  retry: defineRoute({
    method: 'post',
    path: '/api/jobs/{id}/retry',
    tags: ['Processing'],
    summary: 'Queue a finished job again',
    description: 'Queues a `completed` or `failed` job again. Jobs still `queued` or `processing` cannot be retried (409).',
    auth: 'admin',
    params: IdParams,
    responses: {
      202: { description: 'Queued again; the job as it is now.', body: Job },
      404: noJob,
      409: {
        description: 'The job is still queued or running (`job_not_finished`), or its file was queued again by another job (`file_already_queued`).',
      },
    },
  }),
  remove: defineRoute({
    method: 'delete',
    path: '/api/jobs/{id}',
    tags: ['Processing'],
    summary: 'Remove a job',
    description: 'Removes the job from the queue and the jobs table. The file itself is not touched.',
    auth: 'admin',
    params: IdParams,
    responses: { 204: { description: 'Removed.' }, 404: noJob },
  }),
};
