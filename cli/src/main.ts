import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { accountCommands } from './commands/account.js';
import { downloadCommand } from './commands/download.js';
import { filesCommands } from './commands/files.js';
import { interruptedBy } from './commands/interrupt.js';
import { shareCommand } from './commands/share.js';
import { uploadCommand } from './commands/upload.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, messageOf } from './errors.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('dropline')
    .description('Upload, download and share files on a Dropline server. Uploads and downloads resume where they stopped.')
    .version(version, '-V, --version')
    .option('--json', 'print the result as JSON on stdout (errors as JSON on stderr)')
    .option('-q, --quiet', 'print nothing but errors')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Exit status: 0 success, 1 failure, 2 wrong usage. Credentials live in $XDG_CONFIG_HOME/dropline
(default ~/.config/dropline), readable by you alone.

Examples:
  dropline login https://dropline.example.com --email me@example.com
  dropline upload debian.iso backups/ --parallel 4
  dropline ls --q debian
  dropline download <id> -o ~/Downloads/
  dropline share <id> --expires 7d --max-downloads 3`,
    );
  accountCommands(program);
  uploadCommand(program);
  filesCommands(program);
  downloadCommand(program);
  shareCommand(program);
  // Every command exits through run(): usage errors become exit code 2, not commander's own exit.
  const override = (cmd: Command) => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

function report(err: CliError, json: boolean): void {
  if (json) {
    if (!err.reported) process.stderr.write(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
  } else {
    process.stderr.write(`dropline: ${err.message}\n`);
  }
}

/**
 * Servers made one id in 64 start with '-' before ids were kept from doing so, and commander reads
 * such an id as an option: show the same command with the id moved after '--'.
 */
function hintDashId(args: string[], message: string): void {
  const id = /'(-[\w-]{21})'/.exec(message)?.[1];
  if (!id) return;
  const fixed = [...args.filter((a) => a !== id), '--', id].join(' ');
  process.stderr.write(`dropline: an id that starts with '-' goes after '--': dropline ${fixed}\n`);
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end "with an error" in commander; they are successes here.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      if (json) process.stderr.write(`${JSON.stringify({ error: { code: 'usage', message: err.message.replace(/^error: /, '') } })}\n`);
      if (err.code === 'commander.unknownOption') hintDashId(argv.slice(2), err.message);
      return EXIT_USAGE; // commander printed the message already
    }
    if (err instanceof CliError) {
      if (err.code !== 'interrupted') report(err, json);
      return err.exitCode;
    }
    report(new CliError(messageOf(err)), json);
    return EXIT_FAILURE;
  }
}

const code = await run(process.argv);
const signal = interruptedBy();
if (!signal) process.exit(code);
// Interrupted: die of the same signal, as an uninterrupted program would, so that shells and scripts
// see it (a loop in a script stops on Ctrl-C). Node restores the default action once its signal
// handle has closed, which takes a turn of the event loop; exit with the shell's code if that fails.
setTimeout(() => {
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 200);
}, 20);
