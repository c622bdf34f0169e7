import { z } from 'zod';
import { rejectedAs } from './common.js';

/**
 * The display text a client gives a file: its filename, title and description, from any door (JSON,
 * tus metadata, a form). A filename is only ever shown and sent back in Content-Disposition, never
 * used as a path; it is cleaned anyway so no reader of it (a browser, a shell script saving
 * downloads) can be tricked by it.
 */
export const MAX_FILENAME_LENGTH = 255;
export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 5000;
export const MAX_NOTE_LENGTH = 2000;

// C0 and C1 controls, plus the bidi overrides that make "harmless\u202Etxt.exe" read as "harmlessexe.txt".
export const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Returns the cleaned filename, or null when nothing usable is left. Long names keep their extension. */
export function cleanFilename(raw: string): string | null {
  const name = raw.normalize('NFC').replace(CONTROLS, '').replace(/[/\\]/g, '_').trim();
  if (name === '' || /^\.+$/.test(name)) return null;
  const chars = Array.from(name);
  if (chars.length <= MAX_FILENAME_LENGTH) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  const kept = extension.length > 0 && extension.length <= 16 ? extension : [];
  return (
    chars
      .slice(0, MAX_FILENAME_LENGTH - kept.length)
      .join('')
      .trimEnd() + kept.join('')
  );
}

const missingFilename = 'A filename is required.';

/** Required; 400 `missing_filename` when absent or empty once cleaned. Too long is shortened, keeping the extension. */
export const Filename = z
  .string({ error: missingFilename })
  .transform((raw, ctx) => {
    const name = cleanFilename(raw);
    if (name === null) ctx.addIssue({ code: 'custom', message: missingFilename });
    return name ?? z.NEVER;
  })
  .meta({
    ...rejectedAs('missing_filename'),
    type: 'string',
    maxLength: MAX_FILENAME_LENGTH,
    description: 'Cleaned of control characters and slashes.',
  });

/** Optional display text: null or blank clears it; too long is a 400, never silently cut. */
function displayText(field: string, max: number, controls: RegExp) {
  return z
    .string({ error: `The ${field} must be a string.` })
    .transform((raw) => raw.normalize('NFC').replace(/\r\n?/g, '\n').replace(controls, '').trim())
    .refine((text) => Array.from(text).length <= max, { error: `The ${field} must be at most ${max} characters long.` })
    .transform((text) => (text === '' ? null : text))
    .nullable()
    .meta({ ...rejectedAs(`invalid_${field}`), type: ['string', 'null'], maxLength: max });
}

export const Title = displayText('title', MAX_TITLE_LENGTH, CONTROLS);
/** Like the title, but line breaks and tabs are kept. */
export const Description = displayText('description', MAX_DESCRIPTION_LENGTH, CONTROLS_BUT_LINES);
/** The note a share's owner leaves for its visitors, cleaned like a description. */
export const Note = displayText('note', MAX_NOTE_LENGTH, CONTROLS_BUT_LINES);
