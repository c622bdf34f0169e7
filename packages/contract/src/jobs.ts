import { z } from 'zod';
import { Id, IsoDateTime } from './common.js';

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
