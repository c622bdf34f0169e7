import { EventEmitter } from 'node:events';
import type { ShareDownloadedEvent } from '@dropline/contract';

export interface ShareEventMap {
  downloaded: [event: ShareDownloadedEvent & { ownerId: string }];
}

/** Domain events about shares; the Socket.IO layer (realtime/) tells the share's owner. */
export class ShareEvents extends EventEmitter<ShareEventMap> {}
