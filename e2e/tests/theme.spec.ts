import type { Page } from '@playwright/test';
import { expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

const DARK_BG = 'rgb(14, 17, 21)'; // --bg in client/src/styles/theme.css
const LIGHT_BG = 'rgb(245, 246, 248)';

test('the chosen theme survives a reload and is applied before the app runs', async ({ page, context, api }) => {
  const csp: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) csp.push(message.text());
  });
  await storeSession(context, await api.newUser('theme'));
  await openMainScreen(page);

  // The system says light (the context's colour scheme) and nothing is chosen yet.
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect.poll(() => bodyBackground(page)).toBe(LIGHT_BG);

  await page.getByRole('button', { name: 'Switch to dark theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('button', { name: 'Switch to light theme' })).toBeVisible();
  await expect.poll(() => bodyBackground(page)).toBe(DARK_BG);
  expect(await page.evaluate(() => localStorage.getItem('dropline-theme'))).toBe('dark');

  // Already dark when the document is parsed, before anything waits for the app.
  await page.reload({ waitUntil: 'domcontentloaded' });
  expect(await page.evaluate(() => document.documentElement.getAttribute('data-theme'))).toBe('dark');
  await expect(page.getByRole('button', { name: 'Switch to light theme' })).toBeVisible();
  await expect(page.getByTestId('file-list')).toBeVisible();

  // No flash: with the app's scripts refused, the page is still dark. Only the inline script in
  // index.html can have set it, before the first paint (and the CSP let it run).
  await page.route(/\/assets\/.*\.js$/, (route) => route.abort());
  await page.reload({ waitUntil: 'load' });
  expect(await page.evaluate(() => document.getElementById('root')?.childElementCount)).toBe(0);
  expect(await page.evaluate(() => document.documentElement.getAttribute('data-theme'))).toBe('dark');
  expect(await bodyBackground(page)).toBe(DARK_BG);
  await page.unroute(/\/assets\/.*\.js$/);

  // And back: light is kept too, even though this system would also say light.
  await page.reload();
  await page.getByRole('button', { name: 'Switch to light theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.reload({ waitUntil: 'domcontentloaded' });
  expect(await page.evaluate(() => document.documentElement.getAttribute('data-theme'))).toBe('light');
  await expect(page.getByRole('button', { name: 'Switch to dark theme' })).toBeVisible();

  expect(csp).toEqual([]);
});

test('without a choice the theme follows the system', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/', { waitUntil: 'domcontentloaded' });
  expect(await page.evaluate(() => document.documentElement.getAttribute('data-theme'))).toBe('dark');
  await expect(page.getByRole('button', { name: 'Switch to light theme' })).toBeVisible();
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await page.evaluate(() => localStorage.getItem('dropline-theme'))).toBeNull();
});

function bodyBackground(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}
