import type { Request } from 'express';

/** Where a link's page is: PUBLIC_URL when set; else the address the owner reached us at, as they will share it. */
export type OriginOf = (req: Request) => string;

export const originFrom =
  (publicUrl: string | null): OriginOf =>
  (req) =>
    publicUrl ?? `${req.protocol}://${req.get('host')}`;
