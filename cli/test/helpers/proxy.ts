import net from 'node:net';

/**
 * A TCP proxy in front of the server that counts the bytes each way, can slow them down, can
 * drop every connection (a network failure) and can follow the server to a new port (a restart).
 * Counting here, outside both client and server, is what "bytes sent" means in the tests.
 */
export interface CountingProxy {
  url: string;
  /** Bytes from clients to the server, and back. */
  readonly up: number;
  readonly down: number;
  /** The requests seen going up: method, path and headers (names lower-cased). */
  readonly requests: SeenRequest[];
  reset(): void;
  /** Bytes per second for both directions together; null for full speed. */
  limit(bytesPerSecond: number | null): void;
  retarget(port: number): void;
  dropAll(): void;
  close(): Promise<void>;
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

const REQUEST_HEAD = /(GET|HEAD|POST|PATCH|DELETE|OPTIONS) (\S+) HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/g;

/** Request heads in a chunk of client bytes (a head is written in one piece by Node's http client). */
function sniff(chunk: Buffer, into: SeenRequest[]): void {
  for (const match of chunk.toString('latin1').matchAll(REQUEST_HEAD)) {
    const headers: Record<string, string> = {};
    for (const line of match[3]!.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    into.push({ method: match[1]!, path: match[2]!, headers });
  }
}

export async function startProxy(targetPort: number): Promise<CountingProxy> {
  let target = targetPort;
  let up = 0;
  let down = 0;
  let requests: SeenRequest[] = [];
  let rate: number | null = null;
  let budgetStart = Date.now();
  let budgetSent = 0;
  const sockets = new Set<net.Socket>();

  /** How long to hold the sender after `n` more bytes, to keep the average at `rate`. */
  const delayFor = (n: number): number => {
    if (rate === null) return 0;
    const now = Date.now();
    if (now - (budgetStart + (budgetSent / rate) * 1000) > 1000) {
      budgetStart = now; // idle for a while: no burst allowance for the past
      budgetSent = 0;
    }
    budgetSent += n;
    return budgetStart + (budgetSent / rate) * 1000 - now;
  };

  const forward = (from: net.Socket, to: net.Socket, count: (n: number, chunk: Buffer) => void) => {
    let holds = 0;
    const hold = () => holds++ === 0 && from.pause();
    const release = () => --holds === 0 && !from.destroyed && from.resume();
    from.on('data', (chunk: Buffer) => {
      count(chunk.length, chunk);
      if (!to.write(chunk)) {
        hold();
        to.once('drain', release);
      }
      const delay = delayFor(chunk.length);
      if (delay > 0) {
        hold();
        setTimeout(release, delay);
      }
    });
    from.on('end', () => to.end());
    from.on('close', () => to.end());
  };

  const server = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    forward(client, upstream, (n, chunk) => {
      up += n;
      sniff(chunk, requests);
    });
    forward(upstream, client, (n) => (down += n));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get up() {
      return up;
    },
    get down() {
      return down;
    },
    get requests() {
      return requests;
    },
    reset: () => {
      up = 0;
      down = 0;
      requests = [];
    },
    limit: (bytesPerSecond) => {
      rate = bytesPerSecond;
      budgetStart = Date.now();
      budgetSent = 0;
    },
    retarget: (newPort) => {
      target = newPort;
    },
    dropAll: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
