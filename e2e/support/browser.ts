import { existsSync } from 'node:fs';

/** Debian's Chromium. Playwright never downloads a browser here; it drives this one. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const browserAvailable = existsSync(CHROMIUM_PATH);

/** CI sets REQUIRE_BROWSER=1: there a missing browser fails the run instead of skipping it. */
export const browserRequired = process.env.REQUIRE_BROWSER === '1';

export const SKIP_NOTICE = `NOTICE: Chromium was not found at ${CHROMIUM_PATH}; the browser (e2e) suite is skipped. Install Debian's chromium package (or set CHROMIUM_PATH) to run it; REQUIRE_BROWSER=1 makes this an error.`;
