import { CliError, messageOf } from '../errors.js';

/** What the server's tus endpoint offers, from one OPTIONS request (which needs no login). */
export interface TusCapabilities {
  extensions: Set<string>;
  checksumAlgorithms: string[];
  maxSize: number | null;
  /** The largest PATCH body the deployment accepts (`Upload-Limit: max-append-size`). */
  maxAppendSize: number | null;
}

export const TUS_ENDPOINT = '/api/uploads/';

/** `max-size=100,max-append-size=10` -> {max-size: 100, max-append-size: 10} (structured-field dictionary of integers). */
function parseLimits(header: string | null): Map<string, number> {
  const limits = new Map<string, number>();
  for (const item of (header ?? '').split(',')) {
    const [key, value] = item.trim().split('=');
    const n = Number(value);
    if (key && Number.isSafeInteger(n) && n > 0) limits.set(key.trim().toLowerCase(), n);
  }
  return limits;
}

const list = (header: string | null) =>
  (header ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

export async function tusCapabilities(serverUrl: string): Promise<TusCapabilities> {
  let res: Response;
  try {
    res = await fetch(serverUrl + TUS_ENDPOINT, { method: 'OPTIONS', headers: { 'tus-resumable': '1.0.0' } });
  } catch (err) {
    throw new CliError(`Could not reach ${serverUrl}: ${messageOf(err)}`, 'network_error');
  }
  await res.body?.cancel();
  if (!res.ok || !res.headers.get('tus-version'))
    throw new CliError(`${serverUrl} does not offer resumable uploads (OPTIONS ${TUS_ENDPOINT} answered ${res.status}).`, 'no_tus');
  const limits = parseLimits(res.headers.get('upload-limit'));
  const tusMax = Number(res.headers.get('tus-max-size'));
  return {
    extensions: new Set(list(res.headers.get('tus-extension'))),
    checksumAlgorithms: list(res.headers.get('tus-checksum-algorithm')),
    maxSize: limits.get('max-size') ?? (Number.isSafeInteger(tusMax) && tusMax > 0 ? tusMax : null),
    maxAppendSize: limits.get('max-append-size') ?? null,
  };
}

/** The checksum algorithm to send, strongest the server offers among those Node computes. */
export function checksumAlgorithm(caps: TusCapabilities): 'sha256' | 'sha1' | 'md5' | null {
  if (!caps.extensions.has('checksum')) return null;
  for (const algorithm of ['sha256', 'sha1', 'md5'] as const) if (caps.checksumAlgorithms.includes(algorithm)) return algorithm;
  return null;
}
