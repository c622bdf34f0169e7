import { EventEmitter } from 'node:events';

/** The contract's File as the API returns it; every event about a file carries this shape. */
export interface FileView {
  id: string;
  filename: string;
  size: number;
  mimeType: string;
  title: string | null;
  description: string | null;
  status: 'uploaded' | 'processing' | 'processed' | 'failed';
  sha256: string | null;
  extracted: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  owner: { id: string; email: string; displayName: string };
}

export interface FileEventMap {
  created: [file: FileView];
  updated: [file: FileView];
  deleted: [file: { id: string; ownerId: string }];
}

/**
 * Domain events about files. Services announce here and never know who listens; the Socket.IO
 * layer fans them out to browsers (across nodes through its Redis adapter when configured).
 */
export class FileEvents extends EventEmitter<FileEventMap> {}
