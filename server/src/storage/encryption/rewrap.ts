import type { KeyRecords } from './keyRecords.js';
import type { MasterKeys } from './masterKeys.js';
import { encryptionKeyMissing } from './refusals.js';

export interface RewrapReport {
  /** Data keys now wrapped by ENCRYPTION_KEY that were wrapped by ENCRYPTION_KEY_PREVIOUS. */
  rewrapped: number;
  /** Rows wrapped by a key that is neither (or altered): left as they were, named in the log. */
  unreadable: string[];
}

const PAGE = 500;

/**
 * Moves every stored object's data key under the current master key, reading and writing only the
 * wrapped keys: no stored byte is read or rewritten. Safe to run while servers serve (a row that
 * changed meanwhile is left for them; each still reads either wrap) and to run again; once it reports
 * nothing unreadable, ENCRYPTION_KEY_PREVIOUS can go.
 */
export async function rewrapAll(keys: MasterKeys, records: KeyRecords): Promise<RewrapReport> {
  if (!keys.currentId) throw encryptionKeyMissing();
  const report: RewrapReport = { rewrapped: 0, unreadable: [] };
  let after = '';
  for (;;) {
    const page = await records.wrappedByOthers(keys.currentId, after, PAGE);
    for (const { objectKey, wrap } of page) {
      let moved: ReturnType<MasterKeys['rewrap']>;
      try {
        moved = keys.rewrap(wrap);
      } catch {
        report.unreadable.push(objectKey);
        continue;
      }
      if (moved && (await records.replaceWrap(objectKey, wrap, moved))) report.rewrapped++;
    }
    if (page.length < PAGE) return report;
    after = page[page.length - 1]!.objectKey;
  }
}
