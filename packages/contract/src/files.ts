import { z } from 'zod';
import { cursorPage, Id, IsoDateTime } from './common.js';

export const FILE_STATUSES = ['uploaded', 'processing', 'processed', 'failed'] as const;
export const FileStatus = z.enum(FILE_STATUSES).meta({
  id: 'FileStatus',
  description: '`uploaded` (waiting to be processed) -> `processing` -> `processed` or `failed` (see `error`).',
});
export type FileStatus = z.infer<typeof FileStatus>;

export const MAX_FILENAME_LENGTH = 255;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;

/** The contract's File: every route and event about a file carries this shape. */
export const File = z
  .object({
    id: Id,
    filename: z.string(),
    size: z.number().int().min(0).meta({ description: 'Bytes.' }),
    mimeType: z.string(),
    title: z.string().nullable(),
    description: z.string().nullable(),
    status: FileStatus,
    sha256: z.string().nullable().meta({ description: 'Hex SHA-256 of the stored bytes; null until processed.' }),
    extracted: z.record(z.string(), z.unknown()).nullable().meta({ description: 'What processing found, by file kind; null until processed.' }),
    error: z.string().nullable().meta({ description: 'Why processing failed.' }),
    createdAt: IsoDateTime,
    updatedAt: IsoDateTime,
    processedAt: IsoDateTime.nullable(),
    owner: z.object({ id: Id, email: z.string() }),
  })
  .meta({ id: 'File' });
export type File = z.infer<typeof File>;

export const FileCursorPage = cursorPage(File).meta({ id: 'FileCursorPage' });
export type FileCursorPage = z.infer<typeof FileCursorPage>;

export const FileNumberedPage = z
  .object({ items: z.array(File), page: z.number().int(), pageSize: z.number().int(), total: z.number().int() })
  .meta({ id: 'FileNumberedPage' });
export type FileNumberedPage = z.infer<typeof FileNumberedPage>;
