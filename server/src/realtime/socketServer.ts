import type { Server as HttpServer } from 'node:http';
import type { Redis } from 'ioredis';
import type { ClientToServerEvents, ServerToClientEvents } from '@dropline/contract';
import { Server, type Socket } from 'socket.io';
import type { Authenticator } from '../auth/authenticate.js';
import type { VerifiedToken } from '../auth/tokens.js';
import { HttpError } from '../http/errors.js';
import type { AnnounceUploads } from '../config/config.js';
import type { Logger } from '../logger.js';
import { ADMINS, fanOutFileEvents, fanOutShareEvents, socketIoKey, userRoom } from './fanOut.js';
import type { FileEvents } from '../files/fileEvents.js';
import type { ShareEvents } from '../shares/shareEvents.js';

export interface RealtimeDeps {
  auth: Authenticator;
  announceUploads: AnnounceUploads;
  events: FileEvents;
  shareEvents: ShareEvents;
  log: Logger;
  /** With Redis, events reach sockets connected to any node. */
  redis?: { connection: Redis; prefix: string };
}

/**
 * Socket.IO on the API's HTTP server. The handshake carries the access token (`auth.token`); a bad
 * one is refused with a `connect_error` whose `data.code` says why, so clients refresh and retry.
 */
export interface Realtime {
  io: Server<ClientToServerEvents, ServerToClientEvents>;
  /** Closes every socket of a user on every node (through the Redis adapter when there is one). */
  disconnectUser(userId: string): void;
  close(): void;
}

export async function attachRealtime(httpServer: HttpServer, deps: RealtimeDeps): Promise<Realtime> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, { path: '/socket.io', serveClient: false });
  let subscriber: Redis | undefined;
  if (deps.redis) {
    const { createAdapter } = await import('@socket.io/redis-adapter');
    subscriber = deps.redis.connection.duplicate();
    io.adapter(createAdapter(deps.redis.connection, subscriber, { key: socketIoKey(deps.redis.prefix) }));
  }

  io.use(async (socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    try {
      if (typeof token !== 'string' || token === '' || token.length > 4096) throw new HttpError(401, 'unauthorized', 'Authentication is required.');
      socket.data.user = await deps.auth.verify(token);
      next();
    } catch (err) {
      const known = err instanceof HttpError ? err : new HttpError(401, 'invalid_token', 'The access token is not valid.');
      next(Object.assign(new Error(known.message), { data: { code: known.code } }));
    }
  });

  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as VerifiedToken;
    void socket.join(userRoom(user.id));
    if (user.role === 'admin') void socket.join(ADMINS);
    // A connection lives no longer than its token: the client reconnects with a fresh one, and a
    // signed-out or removed user stops hearing events within one token lifetime.
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, user.expiresAt - Date.now()), 2 ** 31 - 1));
    socket.once('disconnect', () => clearTimeout(expiry));
  });

  const unsubscribeFiles = fanOutFileEvents(deps.events, io, deps.announceUploads);
  const unsubscribeShares = fanOutShareEvents(deps.shareEvents, io);

  let closed = false;
  return {
    io,
    disconnectUser: (userId) => io.in(userRoom(userId)).disconnectSockets(true),
    close: () => {
      if (closed) return;
      closed = true;
      unsubscribeFiles();
      unsubscribeShares();
      // Closing the connections (not io.disconnectSockets, which through the Redis adapter reaches
      // every node, and tells clients not to come back) makes clients reconnect, to another node.
      // Not io.close(): it would also close the HTTP server, which the server's shutdown owns.
      io.engine.close();
      subscriber?.disconnect();
    },
  };
}
