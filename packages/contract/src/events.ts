import { z } from 'zod';
import { Id } from './common.js';
import { File } from './files.js';

/**
 * `file:created`: the announcement of a finished upload; no title, description or data, and the
 * owner by display name only: an email address never goes to other users.
 */
export const FileCreatedEvent = File.pick({ id: true, filename: true, size: true, mimeType: true, createdAt: true })
  .extend({ owner: z.object({ id: Id, displayName: z.string() }) })
  .meta({ id: 'FileCreatedEvent' });
export type FileCreatedEvent = z.infer<typeof FileCreatedEvent>;

/** `file:deleted`, to the owner and admins. */
export const FileDeletedEvent = z.object({ id: Id }).meta({ id: 'FileDeletedEvent' });
export type FileDeletedEvent = z.infer<typeof FileDeletedEvent>;

/** `share:downloaded`, to the share's owner when a download of it starts. */
export const ShareDownloadedEvent = z
  .object({
    shareId: Id,
    fileId: Id.nullable().meta({ description: 'The file downloaded; null for the whole-share ZIP.' }),
    downloads: z.number().int().min(0).meta({ description: "The share's downloads, this one included." }),
  })
  .meta({ id: 'ShareDownloadedEvent' });
export type ShareDownloadedEvent = z.infer<typeof ShareDownloadedEvent>;

/** Every Socket.IO event the server sends, with its payload schema and audience (for the document). */
export const SOCKET_EVENTS = {
  'file:created': {
    payload: FileCreatedEvent,
    audience: 'Every connected user when any upload completes (`ANNOUNCE_UPLOADS=everyone`, the default), or its owner and admins (`owner`).',
  },
  'file:updated': { payload: File, audience: "The file's owner and admins, when its status or metadata changes." },
  'file:deleted': { payload: FileDeletedEvent, audience: "The file's owner and admins." },
  'share:downloaded': {
    payload: ShareDownloadedEvent,
    audience: "The share's owner, when a download of it starts (a resumed one does not count again).",
  },
} as const;

/** Socket.IO's typed events, server to client: `Server<ClientToServerEvents, ServerToClientEvents>` and `Socket<ServerToClientEvents>`. */
export interface ServerToClientEvents {
  'file:created': (event: FileCreatedEvent) => void;
  'file:updated': (file: File) => void;
  'file:deleted': (event: FileDeletedEvent) => void;
  'share:downloaded': (event: ShareDownloadedEvent) => void;
}

/** Clients only listen. */
export type ClientToServerEvents = Record<never, never>;
