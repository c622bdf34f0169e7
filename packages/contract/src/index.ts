/**
 * Dropline's public API, declared once. The server validates requests and generates its OpenAPI
 * document from these schemas; the web client, the browser tests and the CLI take their types from
 * them. One place to change a field, and everything that crosses the wire follows.
 */
export { z } from 'zod';
export * from './admin.js';
export * from './auth.js';
export * from './common.js';
export * from './config.js';
export * from './events.js';
export * from './fileFields.js';
export * from './files.js';
export * from './health.js';
export * from './jobs.js';
export * from './openapi.js';
export * from './requests.js';
export * from './route.js';
export * from './socketCodes.js';
export * from './routes.js';
export * from './shares.js';
export * from './uploads.js';
