import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

const PLACEHOLDER = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dropline</title></head>
<body><main><h1>Dropline</h1><p>The API is running. The web client has not been built: run <code>pnpm build</code>.</p></main></body></html>`;

/**
 * Serves the built web client: hashed assets are cached for a year, index.html never, and any
 * other GET that wants HTML gets index.html so client-side routes survive a reload.
 */
export function staticClient(clientDir: string): Router {
  const router = Router();
  const index = path.join(clientDir, 'index.html');
  if (!existsSync(index)) {
    router.get('/', (_req, res) => {
      res.type('html').send(PLACEHOLDER);
    });
    return router;
  }
  router.use('/assets', express.static(path.join(clientDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.use(express.static(clientDir, { index: false, maxAge: 0 }));
  router.get(/.*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    res.set('Cache-Control', 'no-cache').sendFile(index);
  });
  return router;
}

/**
 * CSP hashes of the inline scripts in the built index.html (the theme is set before first paint
 * by one), read at start so the policy allows exactly those scripts and never 'unsafe-inline'.
 */
export function inlineScriptHashes(clientDir: string): string[] {
  const index = path.join(clientDir, 'index.html');
  if (!existsSync(index)) return [];
  const html = readFileSync(index, 'utf8');
  return [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
}
