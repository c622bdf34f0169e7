import type { Command } from 'commander';
import { CliError, UsageError, notLoggedIn } from '../errors.js';
import { Output } from '../output.js';
import { ask, readSecret } from '../prompt.js';
import { Session, normalizeServerUrl } from '../session.js';
import { formatBytes } from '../units.js';
import type { Me } from '@dropline/contract';

export function accountCommands(program: Command): void {
  program
    .command('login')
    .description('sign in to a Dropline server and keep the login for the next commands')
    .argument('<url>', 'the server, e.g. https://dropline.example.com')
    .option('-e, --email <email>', 'your email address (asked for when omitted on a terminal)')
    .addHelpText(
      'after',
      '\nThe password is asked for without echo, or read from the first line of stdin, or from\nDROPLINE_PASSWORD. The login is kept in $XDG_CONFIG_HOME/dropline/credentials.json (mode 0600).',
    )
    .action(async (rawUrl: string, options: { email?: string }, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const url = normalizeServerUrl(rawUrl);
      let email = options.email ?? process.env.DROPLINE_EMAIL;
      if (!email) {
        if (!process.stdin.isTTY) throw new UsageError('--email is required when stdin is not a terminal.');
        email = await ask('Email: ');
      }
      const session = await Session.login(url, email, await readSecret('DROPLINE_PASSWORD', 'Password: '));
      out.result({ url: session.url, user: session.user });
      out.line(`Logged in to ${session.url} as ${session.user.email}${session.user.role === 'admin' ? ' (admin)' : ''}.`);
    });

  program
    .command('whoami')
    .description('show who you are logged in as, where, and your usage')
    .action(async (_options: unknown, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const session = await Session.load();
      const me = await session.json<Me>('/api/auth/me');
      out.result({ url: session.url, ...me });
      out.line(`${me.email} (${me.displayName ? `${me.displayName}, ` : ''}${me.role}) on ${session.url}`);
      // Older servers answer without usage.
      if (me.usage) {
        const quota = me.usage.quotaBytes ? ` of ${formatBytes(me.usage.quotaBytes)}` : '';
        out.line(`${me.usage.files} file${me.usage.files === 1 ? '' : 's'}, ${formatBytes(me.usage.bytes)}${quota}`);
      }
    });

  program
    .command('logout')
    .description('sign out: revokes the login on the server and forgets it here')
    .action(async (_options: unknown, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      let session: Session;
      try {
        session = await Session.load();
      } catch (err) {
        if (err instanceof CliError && err.code === notLoggedIn().code) {
          out.result({ loggedOut: false });
          out.line('Not logged in.');
          return;
        }
        throw err;
      }
      await session.logout();
      out.result({ loggedOut: true, url: session.url });
      out.line(`Logged out of ${session.url}.`);
    });
}
