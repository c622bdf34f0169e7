import { EventEmitter } from 'node:events';
import type { File } from '@dropline/contract';

export interface FileEventMap {
  created: [file: File];
  updated: [file: File];
  deleted: [file: { id: string; ownerId: string }];
}

/**
 * Domain events about files. Services announce here and never know who listens; the Socket.IO
 * layer (realtime/) fans them out to browsers, across nodes through its Redis adapter when configured.
 */
export class FileEvents extends EventEmitter<FileEventMap> {}
