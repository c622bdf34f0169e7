import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliUser } from './helpers/cli.js';
import { PASSWORD, startDropline, type Dropline } from './helpers/dropline.js';

let dropline: Dropline;

beforeAll(async () => {
  // Access tokens live 3 s here, so the client's own refreshing is exercised by any command run later.
  dropline = await startDropline({ env: { ACCESS_TOKEN_TTL: '3s' } });
});
afterAll(() => dropline?.stop());

const credentialsOf = async (cli: CliUser) => JSON.parse(await readFile(path.join(cli.configDir, 'credentials.json'), 'utf8'));

describe('dropline login, whoami, logout', () => {
  it('logs in with DROPLINE_PASSWORD and keeps the login readable by the user alone', async () => {
    const cli = await CliUser.create();
    const user = await dropline.newUser();
    const result = await cli.run(['login', dropline.url, '--email', user.email], { env: { DROPLINE_PASSWORD: PASSWORD } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${dropline.url} as ${user.email}`);
    expect((await stat(cli.configDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(cli.configDir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    const saved = await credentialsOf(cli);
    expect(saved.url).toBe(dropline.url);
    expect(saved.refreshToken).toEqual(expect.any(String));
    // The password itself is never written down.
    expect(JSON.stringify(saved)).not.toContain(PASSWORD);
    await cli.cleanup();
  });

  it('reads the password from stdin, and prints JSON for scripts', async () => {
    const cli = await CliUser.create();
    const user = await dropline.newUser();
    const login = await cli.run(['login', dropline.url, '--email', user.email, '--json'], { input: `${PASSWORD}\n` });
    expect(login.code).toBe(0);
    expect(JSON.parse(login.stdout)).toEqual({ url: dropline.url, user: expect.objectContaining({ id: user.id, email: user.email, role: 'user' }) });

    const whoami = await cli.run(['whoami', '--json']);
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ url: dropline.url, id: user.id, email: user.email, role: 'user' });
    const human = await cli.run(['whoami']);
    expect(human.stdout).toContain(`${user.email} (`);
    await cli.cleanup();
  });

  it('says what the server said about a wrong password, with exit code 1 and nothing saved', async () => {
    const cli = await CliUser.create();
    const user = await dropline.newUser();
    const result = await cli.run(['login', dropline.url, '--email', user.email], { env: { DROPLINE_PASSWORD: 'wrong password' } });
    expect(result.code).toBe(1);
    const login = await fetch(`${dropline.server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: 'wrong password' }),
    });
    const { error } = (await login.json()) as { error: { message: string } };
    expect(result.stderr).toBe(`dropline: ${error.message}\n`);
    await expect(stat(path.join(cli.configDir, 'credentials.json'))).rejects.toThrow();

    const json = await cli.run(['login', dropline.url, '--email', user.email, '--json'], { env: { DROPLINE_PASSWORD: 'wrong password' } });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr)).toEqual({ error: { code: expect.any(String), message: error.message } });
    expect(json.stdout).toBe('');
    await cli.cleanup();
  });

  it('refreshes an expired access token by itself, and two commands at once do not spend the same refresh token', async () => {
    const cli = await CliUser.create();
    const user = await dropline.newUser();
    await cli.login(dropline.url, user.email, PASSWORD);
    const before = await credentialsOf(cli);
    await new Promise((resolve) => setTimeout(resolve, 3500)); // the access token has expired

    const [a, b] = await Promise.all([cli.run(['whoami', '--json']), cli.run(['whoami', '--json'])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, '', '']);
    const after = await credentialsOf(cli);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect((await stat(path.join(cli.configDir, 'credentials.json'))).mode & 0o777).toBe(0o600);
    // Had both spent the old token, the server would have revoked the session: the new one still works.
    const refresh = await fetch(`${dropline.server.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: after.refreshToken }),
    });
    expect(refresh.status).toBe(200);
    await cli.cleanup();
  });

  it('logout revokes the login on the server and forgets it here', async () => {
    const cli = await CliUser.create();
    const user = await dropline.newUser();
    await cli.login(dropline.url, user.email, PASSWORD);
    const { refreshToken } = await credentialsOf(cli);

    const logout = await cli.run(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('Logged out');
    await expect(stat(path.join(cli.configDir, 'credentials.json'))).rejects.toThrow();
    const refresh = await fetch(`${dropline.server.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(refresh.status).toBe(401);

    const whoami = await cli.run(['whoami']);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain('Not logged in');
    await cli.cleanup();
  });
});

describe('exit codes and help', () => {
  it('is 2 for wrong usage, 0 for --help on every command, 1 for a failure', async () => {
    const cli = await CliUser.create();
    const usage = [
      ['frobnicate'],
      ['upload'],
      ['login'],
      ['ls', '--no-such-option'],
      ['upload', 'x', '--parallel', 'many'],
      ['ls', '--limit', '0'],
      ['share', 'id', '--expires', 'yesterday'],
      ['download'],
    ];
    const usageResults = await Promise.all(usage.map((args) => cli.run(args)));
    usageResults.forEach((result, i) => {
      expect({ args: usage[i], code: result.code }).toEqual({ args: usage[i], code: 2 });
      expect(result.stderr).not.toBe('');
    });
    const commands = ['', 'login', 'whoami', 'logout', 'upload', 'ls', 'download', 'share', 'rm'];
    const helpResults = await Promise.all(commands.map((command) => cli.run(command ? [command, '--help'] : ['--help'])));
    helpResults.forEach((result, i) => {
      expect({ command: commands[i], code: result.code }).toEqual({ command: commands[i], code: 0 });
      expect(result.stdout).toContain('Usage: dropline');
    });
    // An id from an older server may start with '-': the usage error shows where it goes instead.
    const dashId = await cli.run(['download', '-AbCdEfGhIjKlMnOpQrStU', '-o', '/tmp']);
    expect(dashId.code).toBe(2);
    expect(dashId.stderr).toContain("dropline: an id that starts with '-' goes after '--': dropline download -o /tmp -- -AbCdEfGhIjKlMnOpQrStU\n");
    const notLoggedIn = await cli.run(['ls']);
    expect(notLoggedIn.code).toBe(1);
    const unreachable = await cli.run(['login', 'http://127.0.0.1:9', '--email', 'a@example.com'], { env: { DROPLINE_PASSWORD: 'x' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^dropline: Could not reach http:\/\/127\.0\.0\.1:9/);
    await cli.cleanup();
  });
});
