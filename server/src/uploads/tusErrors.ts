import { ERRORS } from '@tus/utils';
import { HttpError, errorBody, type ErrorBody } from '../http/errors.js';
import type { Logger } from '../logger.js';

/** What each of tus' own plain-text errors means to a person, in the contract's terms. */
const TUS_ERRORS = new Map<string, [code: string, message: string]>([
  [ERRORS.MISSING_OFFSET.body, ['missing_upload_offset', 'An Upload-Offset header is required.']],
  [ERRORS.ABORTED.body, ['upload_interrupted', 'The request was stopped because another request took over this upload.']],
  [ERRORS.ERR_LOCK_TIMEOUT.body, ['upload_busy', 'Another request is still writing to this upload. Please try again.']],
  [ERRORS.INVALID_CONTENT_TYPE.body, ['invalid_content_type', 'Upload data must be sent as application/offset+octet-stream.']],
  [ERRORS.FILE_NOT_FOUND.body, ['not_found', 'There is no upload with this id.']],
  [ERRORS.INVALID_OFFSET.body, ['offset_mismatch', 'Upload-Offset does not match the bytes received so far; ask with HEAD and resume from there.']],
  [ERRORS.FILE_NO_LONGER_EXISTS.body, ['upload_expired', 'This upload has expired or its data is gone. Please start a new upload.']],
  [ERRORS.ERR_SIZE_EXCEEDED.body, ['upload_length_exceeded', 'The data goes beyond the declared Upload-Length.']],
  [ERRORS.ERR_MAX_SIZE_EXCEEDED.body, ['file_too_large', 'The file is larger than this server accepts (see Tus-Max-Size).']],
  [ERRORS.INVALID_LENGTH.body, ['invalid_upload_length', 'Give either Upload-Length or Upload-Defer-Length: 1, with a valid value.']],
  [ERRORS.INVALID_METADATA.body, ['invalid_metadata', 'Upload-Metadata must be comma-separated "key base64value" pairs with unique keys.']],
  [ERRORS.FILE_WRITE_ERROR.body, ['write_failed', 'The upload data could not be stored. Please resume the upload.']],
  ['Tus-Resumable Required\n', ['tus_resumable_required', 'This is a tus 1.0.0 endpoint: send Tus-Resumable: 1.0.0.']],
]);

const BY_STATUS: Record<number, [code: string, message: string]> = {
  400: ['invalid_request', 'The request could not be understood.'],
  404: ['not_found', 'Not found.'],
  501: ['not_implemented', 'This tus feature is not supported here.'],
};
const INTERNAL: [string, string] = ['internal_error', 'Something went wrong on our side. Please try again.'];

/** Maps a tus status and plain-text body to the contract's error body; no internals leak through. */
export function contractError(status: number, tusBody: string): ErrorBody {
  const invalidHeaders = /^Invalid ([\w -]+)\n$/.exec(tusBody);
  if (invalidHeaders) return errorBody('invalid_header', `These tus headers are not valid: ${invalidHeaders[1]}.`);
  const [code, message] = TUS_ERRORS.get(tusBody) ?? BY_STATUS[status] ?? (status >= 500 ? INTERNAL : ['request_failed', 'The request failed.']);
  return errorBody(code, message);
}

/** For tus' onResponseError: our HttpErrors keep their code, tus errors are translated, the rest is logged. */
export function tusErrorResponse(err: unknown, log: Logger): { status_code: number; body: string } {
  if (err instanceof HttpError) return { status_code: err.status, body: JSON.stringify(errorBody(err.code, err.message)) };
  // tus' own lockers time out with a 500; waiting for a busy upload is the client's to retry.
  if (err === ERRORS.ERR_LOCK_TIMEOUT) return { status_code: 423, body: JSON.stringify(contractError(423, ERRORS.ERR_LOCK_TIMEOUT.body)) };
  const { status_code: status, body } = (err ?? {}) as { status_code?: unknown; body?: unknown };
  if (typeof status === 'number' && typeof body === 'string') {
    if (status >= 500) log.error({ err }, 'tus request failed');
    return { status_code: status, body: JSON.stringify(contractError(status, body)) };
  }
  log.error({ err }, 'tus request failed');
  return { status_code: 500, body: JSON.stringify(errorBody(...INTERNAL)) };
}
