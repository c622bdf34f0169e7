import type { Server } from 'node:http';

/**
 * Stops accepting connections and waits for in-flight requests; after `timeoutMs` the remaining
 * ones (long uploads) are cut. tus clients resume those from the stored offset.
 */
export async function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
