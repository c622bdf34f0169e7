/** Set by the global setup to the server's origin; workers start after it and inherit it. */
export const BASE_URL_ENV = 'DROPLINE_E2E_URL';
