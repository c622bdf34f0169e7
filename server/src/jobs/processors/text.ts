const NEWLINE = 0x0a;
const PREVIEW_LINES = 10;
const PREVIEW_LINE_CHARS = 200;
// Enough bytes for PREVIEW_LINE_CHARS of 4-byte UTF-8 characters.
const PREVIEW_LINE_BYTES = PREVIEW_LINE_CHARS * 4;

/**
 * The fallback when file-type recognises nothing: the head must be valid UTF-8
 * and free of NUL bytes, which rules out nearly every binary format.
 * `isWholeFile` matters because a head cut mid-character is only an error when
 * nothing follows it.
 */
export function looksLikeText(head: Uint8Array, isWholeFile: boolean): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: !isWholeFile });
    return true;
  } catch {
    return false;
  }
}

// ASCII whitespace as in `wc -w` under the C locale.
const isSpace = new Uint8Array(256);
for (const byte of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) isSpace[byte] = 1;

export interface TextSummary {
  lines: number;
  words: number;
  bytes: number;
  firstLines: string[];
}

/** Streaming line/word counter fed by the hashing pass. */
export class TextStats {
  private lines = 0;
  private words = 0;
  private bytes = 0;
  /** 1 or 0, so it can take part in the word-start arithmetic. */
  private previousIsSpace = 1;
  private lastByte = NEWLINE;
  private readonly preview: Buffer[] = [];
  private previewLine: Buffer[] = [];
  private previewLineBytes = 0;

  readonly consume = (chunk: Uint8Array): void => {
    if (this.preview.length < PREVIEW_LINES) this.collectPreview(chunk);

    // Branch-free: a word starts wherever a non-space byte follows a space.
    let words = this.words;
    let previousIsSpace = this.previousIsSpace;
    for (let i = 0; i < chunk.length; i++) {
      const space = isSpace[chunk[i]!]!;
      words += previousIsSpace & ~space;
      previousIsSpace = space;
    }
    this.words = words;
    this.previousIsSpace = previousIsSpace;

    // indexOf is a native memchr, far faster than testing each byte in the loop above.
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) this.lines++;
    this.bytes += chunk.length;
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1]!;
  };

  summary(): TextSummary {
    if (this.preview.length < PREVIEW_LINES && this.previewLineBytes > 0) this.endPreviewLine();
    return {
      // A final line without a trailing newline still counts as a line.
      lines: this.lines + (this.lastByte === NEWLINE ? 0 : 1),
      words: this.words,
      bytes: this.bytes,
      firstLines: this.preview.map(decodePreviewLine),
    };
  }

  private collectPreview(chunk: Uint8Array): void {
    let start = 0;
    while (start < chunk.length && this.preview.length < PREVIEW_LINES) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const room = PREVIEW_LINE_BYTES + 1 - this.previewLineBytes;
      if (room > 0) {
        // Copy: the chunk's memory is reused by the next read.
        const piece = Buffer.from(chunk.subarray(start, Math.min(end, start + room)));
        this.previewLine.push(piece);
        this.previewLineBytes += piece.length;
      }
      if (newline === -1) return;
      this.endPreviewLine();
      start = newline + 1;
    }
  }

  private endPreviewLine(): void {
    this.preview.push(Buffer.concat(this.previewLine));
    this.previewLine = [];
    this.previewLineBytes = 0;
  }
}

function decodePreviewLine(raw: Buffer): string {
  // Up to one byte over the cap is kept so truncation is detectable.
  const truncated = raw.length > PREVIEW_LINE_BYTES;
  // TextDecoder also drops a leading byte order mark.
  const line = new TextDecoder().decode(truncated ? raw.subarray(0, PREVIEW_LINE_BYTES) : raw).replace(/\r$/, '');
  const chars = Array.from(line);
  if (truncated || chars.length > PREVIEW_LINE_CHARS) {
    // A cut through a multi-byte character decodes to U+FFFD; drop it.
    return (
      chars
        .slice(0, PREVIEW_LINE_CHARS)
        .join('')
        .replace(/\uFFFD+$/, '') + '…'
    );
  }
  return line;
}
