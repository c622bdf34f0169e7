import { expect, openMainScreen, storeSession, test } from '../support/fixtures.js';

test('typing in the search box narrows the list to files whose name or title match', async ({ page, context, api }) => {
  const user = await api.newUser('search');
  const upload = (name: string, title?: string) =>
    api.tusUpload(user.accessToken, { name, type: 'text/plain', data: Buffer.from(`${name}\n`.repeat(64)), title });
  await upload('alpha-notes.txt');
  await upload('beta-notes.txt', 'Gamma plan');
  await upload('alpha-budget.txt');

  await storeSession(context, user);
  await openMainScreen(page);
  const rows = page.getByTestId('file-row');
  const shown = () =>
    rows
      .getByRole('button', { name: /: show details$/ })
      .allTextContents()
      .then((names) => names.sort());
  await expect.poll(shown).toEqual(['alpha-budget.txt', 'alpha-notes.txt', 'beta-notes.txt']);

  const search = page.getByTestId('search-input');
  await expect(search).toHaveAccessibleName('Search files');

  await search.fill('alpha');
  await expect.poll(shown).toEqual(['alpha-budget.txt', 'alpha-notes.txt']);

  await search.fill('NOTES');
  await expect.poll(shown).toEqual(['alpha-notes.txt', 'beta-notes.txt']);

  // The title counts too.
  await search.fill('gamma');
  await expect.poll(shown).toEqual(['beta-notes.txt']);

  await search.fill('nothing-like-this');
  await expect(rows).toHaveCount(0);
  await expect(page.getByText('No files match these filters.')).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(search).toHaveValue('');
  await expect.poll(shown).toEqual(['alpha-budget.txt', 'alpha-notes.txt', 'beta-notes.txt']);
});
