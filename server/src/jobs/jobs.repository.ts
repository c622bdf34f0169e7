import { JOB_STATES } from '@dropline/contract';
import type { Cursor } from '../db/cursor.js';
import type { Db } from '../db/database.js';
import type { JobRow, JobState } from '../db/schema.js';
import { now } from '../db/time.js';

export const PROCESS_JOB = 'process';

/** The jobs table: the embedded queue itself, and BullMQ's mirror. */
export class JobsRepository {
  constructor(private readonly db: Db) {}

  async insert(job: { id: string; fileId: string; maxAttempts: number; runAt?: string }): Promise<void> {
    const at = now();
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        file_id: job.fileId,
        type: PROCESS_JOB,
        state: 'queued',
        attempts: 0,
        max_attempts: job.maxAttempts,
        run_at: job.runAt ?? at,
        created_at: at,
        updated_at: at,
      })
      .execute();
  }

  get(id: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findLive(fileId: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('file_id', '=', fileId).where('state', 'in', ['queued', 'processing']).executeTakeFirst();
  }

  list(filter: { state?: JobState; limit: number; before?: Cursor }): Promise<JobRow[]> {
    let query = this.db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit);
    if (filter.state) query = query.where('state', '=', filter.state);
    const before = filter.before;
    if (before) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', before.createdAt), eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)])]),
      );
    }
    return query.execute();
  }

  async countByState(): Promise<Record<JobState, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<string | number>().as('count')])
      .groupBy('state')
      .execute();
    const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of rows) counts[row.state] = Number(row.count);
    return counts;
  }

  async update(
    id: string,
    changes: Partial<Pick<JobRow, 'state' | 'attempts' | 'last_error' | 'run_at' | 'locked_by' | 'locked_until' | 'finished_at'>>,
  ): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ ...changes, updated_at: now() })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('jobs').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // --- used by the embedded queue only ---

  /**
   * Takes the next due job for `workerId`. The conditional update makes two workers (or nodes)
   * racing for one row safe: only one sees its update count as 1.
   */
  async claimNext(workerId: string, leaseMs: number): Promise<JobRow | undefined> {
    for (let tries = 0; tries < 5; tries++) {
      const at = now();
      const next = await this.db
        .selectFrom('jobs')
        .selectAll()
        .where('state', '=', 'queued')
        .where('run_at', '<=', at)
        .orderBy('run_at')
        .limit(1)
        .executeTakeFirst();
      if (!next) return undefined;
      const claimed = await this.db
        .updateTable('jobs')
        .set({
          state: 'processing',
          attempts: next.attempts + 1,
          locked_by: workerId,
          locked_until: new Date(Date.now() + leaseMs).toISOString(),
          updated_at: at,
        })
        .where('id', '=', next.id)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return { ...next, state: 'processing', attempts: next.attempts + 1, locked_by: workerId };
    }
    return undefined;
  }

  async renewLease(id: string, workerId: string, leaseMs: number): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ locked_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /**
   * Puts running jobs back in the queue when their worker is gone: its lease ran out, or it is
   * named in `deadWorkers`. The interrupted run does not count as an attempt.
   */
  async requeueOrphans(deadWorkers: string[]): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set((eb) => ({ state: 'queued', attempts: eb('attempts', '-', 1), locked_by: null, locked_until: null, run_at: now(), updated_at: now() }))
      .where('state', '=', 'processing')
      .where((eb) => eb.or([eb('locked_until', '<', now()), ...(deadWorkers.length > 0 ? [eb('locked_by', 'in', deadWorkers)] : [])]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async runningWorkers(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select('locked_by')
      .distinct()
      .where('state', '=', 'processing')
      .where('locked_by', 'is not', null)
      .execute();
    return rows.map((r) => r.locked_by!);
  }
}
