import { expect, test } from '../support/fixtures.js';
import { alice } from '../support/users.js';

test('a seeded user signs in through the form, stays signed in across a reload, and signs out', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('tab', { name: 'Sign in' })).toHaveAttribute('aria-selected', 'true');

  // A wrong password is refused with a message, and nothing is stored.
  await page.getByLabel('Email').fill(alice.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('dropline-session'))).toBeNull();

  await page.getByLabel('Password').fill(alice.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  const header = page.getByRole('banner');
  await expect(header.getByText(alice.email)).toBeVisible();
  await expect(page.getByTestId('file-list')).toBeVisible();
  await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'connected');

  await page.reload();
  await expect(header.getByText(alice.email)).toBeVisible();
  await expect(page.getByTestId('file-list')).toBeVisible();
  await expect(page.getByLabel('Password')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.getByTestId('file-list')).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('dropline-session'))).toBeNull();

  // Signed out for good: a reload shows the sign-in screen again.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  await expect(page.getByText(alice.email)).toHaveCount(0);
});
