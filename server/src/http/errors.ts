import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error meant for the client: its status, code and message are sent as they are. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, code = 'invalid_request') => new HttpError(400, code, message);
export const notFound = (message = 'Not found.') => new HttpError(404, 'not_found', message);
export const forbidden = (message = 'You are not allowed to do this.') => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'Authentication is required.', code = 'unauthorized') =>
  new HttpError(401, code, message, { 'WWW-Authenticate': 'Bearer' });

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Errors raised by body parsers and other middleware carry `status`/`type`; map them to the contract. */
function fromMiddleware(err: { status?: number; type?: string }): HttpError | null {
  if (err.type === 'entity.parse.failed') return badRequest('The request body is not valid JSON.', 'invalid_json');
  if (err.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'The request body is too large.');
  if (err.status === 404) return notFound();
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    return new HttpError(err.status, 'invalid_request', 'The request could not be understood.');
  }
  return null;
}

const REPRESENTATION_HEADERS = [
  'Content-Type',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Content-Length',
  'Content-Range',
  'ETag',
  'Last-Modified',
  'Accept-Ranges',
];

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = err instanceof HttpError ? err : fromMiddleware(err ?? {});
  if (!known) {
    req.log?.error({ err }, 'unhandled error');
  }
  const error = known ?? new HttpError(500, 'internal_error', 'Something went wrong on our side. Please try again.');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A download that failed before its first byte (416, 412, ...) has already set the file's own
  // headers; none of them may describe the JSON error (a text/html type would render it).
  for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
  // Refused before its body was read: the rest of the body is still on its way, so the connection
  // must not carry another request (a keep-alive client would get ECONNRESET on its next one).
  if (!req.complete) res.set('Connection', 'close');
  res.set(error.headers).status(error.status).type('application/json').json(errorBody(error.code, error.message));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(notFound(`No route for ${req.method} ${req.path}.`));
};
