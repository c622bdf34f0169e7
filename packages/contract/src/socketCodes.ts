// Plain values only (no schemas), so a browser bundle that imports them does not pull in zod.

/** Why the server refused a Socket.IO handshake, in the `connect_error`'s `data.code`: all mean "get a fresh token". */
export const SOCKET_AUTH_ERROR_CODES = ['unauthorized', 'invalid_token', 'token_expired'] as const;
