import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Reads a count that lives elsewhere (the database) at scrape time. */
export type CountBy<K extends string> = () => Promise<Record<K, number> | Record<string, number>>;

/**
 * Every Prometheus metric of one process, in its own registry (so tests can run several servers in
 * one process). Parts that count something get this object and increment its counters; counts kept
 * in the database are read when `/metrics` is scraped.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'dropline_http_requests_total',
    help: 'HTTP requests by route, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'dropline_http_request_duration_seconds',
    help: 'HTTP request latency, from the request to the end of the response, by route and method.',
    labelNames: ['route', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly bytesReceived = new Counter({
    name: 'dropline_http_received_bytes_total',
    help: 'Request body bytes received, by route (a body cut short counts what was read).',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly jobDuration = new Histogram({
    name: 'dropline_job_duration_seconds',
    help: 'How long processing jobs run in this process, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    registers: [this.registry],
  });
  readonly uploadDataHeld = new Counter({
    name: 'dropline_upload_data_held_seconds_total',
    help: 'Time upload data waited for interactive requests to be answered first (summed over uploads).',
    registers: [this.registry],
  });
  /** Fed by `cacheCounters(name)`, which a cache is given when it is built. */
  readonly cacheHits = new Counter({
    name: 'dropline_cache_hits_total',
    help: 'Cache hits by cache.',
    labelNames: ['cache'] as const,
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'dropline_cache_misses_total',
    help: 'Cache misses by cache.',
    labelNames: ['cache'] as const,
    registers: [this.registry],
  });

  /** What the named cache counts its hits and misses with (the shape of the cache's CacheCounters). */
  cacheCounters(cache: string): { hit(): void; miss(): void } {
    return { hit: () => this.cacheHits.inc({ cache }), miss: () => this.cacheMisses.inc({ cache }) };
  }

  constructor(sources: { uploadsInProgress: () => Promise<number>; filesByStatus: CountBy<string>; jobsByState: CountBy<string> }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dropline_' });
    new Gauge({
      name: 'dropline_uploads_in_progress',
      help: 'Uploads created and not finished yet (resumable and plain).',
      registers: [this.registry],
      async collect() {
        this.set(await sources.uploadsInProgress());
      },
    });
    new Gauge({
      name: 'dropline_files',
      help: 'Files by status.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        for (const [status, count] of Object.entries(await sources.filesByStatus())) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'dropline_jobs',
      help: 'Processing jobs by state.',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        for (const [state, count] of Object.entries(await sources.jobsByState())) this.set({ state }, count);
      },
    });
  }

  /**
   * Counts every request when its response ends (or its connection closes). The route is the
   * matched pattern (`/api/files/:id`), never the raw path, so ids don't explode the label space.
   */
  readonly observeHttp: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    const readBefore = req.socket.bytesRead;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl || 'unmatched';
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.httpRequests.inc({ route, method: req.method, status: String(res.statusCode) });
      this.httpDuration.observe({ route, method: req.method }, seconds);
      // A small body is often read with the headers, before the request starts: then its declared length counts.
      const declared = Number(req.headers['content-length']) || 0;
      const read = Math.max(0, req.socket.bytesRead - readBefore);
      this.bytesReceived.inc({ route }, req.complete && declared > 0 ? declared : read);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
