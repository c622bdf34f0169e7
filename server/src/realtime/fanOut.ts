import type { AnnounceUploads } from '../config/config.js';
import type { File, FileCreatedEvent, ServerToClientEvents } from '@dropline/contract';
import type { FileEvents } from '../files/fileEvents.js';
import type { ShareEventMap, ShareEvents } from '../shares/shareEvents.js';

/** What both a Socket.IO server and a Redis emitter (in a worker process) can do. */
export interface Broadcaster {
  emit(event: string, payload: unknown): unknown;
  to(room: string): Broadcaster;
}

export const userRoom = (id: string) => `user:${id}`;
export const ADMINS = 'admins';

/** Emits one of the contract's events with its payload type checked, on either kind of broadcaster. */
const send = <E extends keyof ServerToClientEvents>(to: Broadcaster, event: E, payload: Parameters<ServerToClientEvents[E]>[0]) =>
  to.emit(event, payload);

/**
 * The summary others may see when an upload completes: no title, description or data, and the
 * owner by display name only; an email address never goes to other users.
 */
const announcement = (f: File): FileCreatedEvent => ({
  id: f.id,
  filename: f.filename,
  size: f.size,
  mimeType: f.mimeType,
  owner: { id: f.owner.id, displayName: f.owner.displayName },
  createdAt: f.createdAt,
});

/**
 * The contract's audiences: a finished upload is announced to everyone (ANNOUNCE_UPLOADS=everyone)
 * or to its owner and admins (owner); a file's changes and deletion go to its owner, and to admins,
 * who manage everyone's files. Returns the unsubscribe.
 */
export function fanOutFileEvents(events: FileEvents, to: Broadcaster, announce: AnnounceUploads): () => void {
  const onCreated = (file: File) =>
    send(announce === 'everyone' ? to : to.to(userRoom(file.owner.id)).to(ADMINS), 'file:created', announcement(file));
  const onUpdated = (file: File) => send(to.to(userRoom(file.owner.id)).to(ADMINS), 'file:updated', file);
  const onDeleted = (file: { id: string; ownerId: string }) => send(to.to(userRoom(file.ownerId)).to(ADMINS), 'file:deleted', { id: file.id });
  events.on('created', onCreated);
  events.on('updated', onUpdated);
  events.on('deleted', onDeleted);
  return () => {
    events.off('created', onCreated);
    events.off('updated', onUpdated);
    events.off('deleted', onDeleted);
  };
}

/** A share's downloads go to its owner alone (not admins: they do not manage others' links). Returns the unsubscribe. */
export function fanOutShareEvents(events: ShareEvents, to: Broadcaster): () => void {
  const onDownloaded = ({ ownerId, ...event }: ShareEventMap['downloaded'][0]) => send(to.to(userRoom(ownerId)), 'share:downloaded', event);
  events.on('downloaded', onDownloaded);
  return () => events.off('downloaded', onDownloaded);
}

/** The Redis key both the Socket.IO adapter and a worker's emitter publish under. */
export const socketIoKey = (redisPrefix: string) => `${redisPrefix}:socket.io`;
