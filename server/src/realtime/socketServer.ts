import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server, type Socket } from 'socket.io';
import type { AccessTokens, AuthUser } from '../auth/tokens.js';
import { HttpError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import type { FileEvents, FileView } from './fileEvents.js';

export interface RealtimeDeps {
  tokens: AccessTokens;
  events: FileEvents;
  log: Logger;
  /** With Redis, events reach sockets connected to any node. */
  redis?: Redis;
  redisPrefix?: string;
}

const userRoom = (id: string) => `user:${id}`;
const ADMINS = 'admins';

/** The summary everyone may see when an upload completes: no title, description or data. */
const announcement = (f: FileView) => ({ id: f.id, filename: f.filename, size: f.size, mimeType: f.mimeType, owner: f.owner, createdAt: f.createdAt });

/**
 * Socket.IO on the API's HTTP server. The handshake carries the access token (`auth.token`); a bad
 * one is refused with a `connect_error` whose `data.code` says why, so clients refresh and retry.
 */
export function attachRealtime(httpServer: HttpServer, deps: RealtimeDeps): { io: Server; close(): void } {
  const io = new Server(httpServer, { path: '/socket.io', serveClient: false });
  let subscriber: Redis | undefined;
  if (deps.redis) {
    subscriber = deps.redis.duplicate();
    io.adapter(createAdapter(deps.redis, subscriber, { key: `${deps.redisPrefix ?? 'dropline'}:socket.io` }));
  }

  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    try {
      if (typeof token !== 'string' || token === '') throw new HttpError(401, 'unauthorized', 'Authentication is required.');
      socket.data.user = deps.tokens.verify(token);
      next();
    } catch (err) {
      const known = err instanceof HttpError ? err : new HttpError(401, 'invalid_token', 'The access token is not valid.');
      next(Object.assign(new Error(known.message), { data: { code: known.code } }));
    }
  });

  io.on('connection', (socket: Socket) => {
    const user = socket.data.user as AuthUser;
    void socket.join(userRoom(user.id));
    if (user.role === 'admin') void socket.join(ADMINS);
  });

  // Owners get their files' changes; admins, who manage everyone's files, get them too.
  const onCreated = (file: FileView) => io.emit('file:created', announcement(file));
  const onUpdated = (file: FileView) => io.to(userRoom(file.owner.id)).to(ADMINS).emit('file:updated', file);
  const onDeleted = (file: { id: string; ownerId: string }) => io.to(userRoom(file.ownerId)).to(ADMINS).emit('file:deleted', { id: file.id });
  deps.events.on('created', onCreated);
  deps.events.on('updated', onUpdated);
  deps.events.on('deleted', onDeleted);

  return {
    io,
    close: () => {
      deps.events.off('created', onCreated);
      deps.events.off('updated', onUpdated);
      deps.events.off('deleted', onDeleted);
      io.disconnectSockets(true);
      // Not io.close(): it would also close the HTTP server, which the server's shutdown owns.
      io.engine.close();
      subscriber?.disconnect();
    },
  };
}
