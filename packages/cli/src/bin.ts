#!/usr/bin/env node
/** The `agent-sessions` command. Errors become one line on stderr and an exit code; `--debug` adds the stack. */
import { run } from './cli.js';
import { EXIT_FAILURE, exitCodeFor, formatDebug, formatError } from './errors.js';

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');

function report(error: unknown): number {
  process.stderr.write(`${formatError(error)}\n`);
  if (debug) process.stderr.write(`${formatDebug(error)}\n`);
  return exitCodeFor(error);
}

// A driver that throws outside any awaited call must still end in one line, not a stack trace.
process.on('uncaughtException', (error) => exit(report(error)));
process.on('unhandledRejection', (error) => exit(report(error)));

// Drivers emit process warnings (the AWS SDK prints a multi-line notice about Node versions when it loads) that
// would bury the one error line; Node's own printer is the only 'warning' listener, so removing it hides them.
if (!debug) process.removeAllListeners('warning');

// A reader that stopped early (`agent-sessions ls | head -1`) is not an error; export notices and stops.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') exit(report(error));
});

// Ctrl-C: end a progress bar's line before leaving, and use the conventional code for an interrupt.
process.once('SIGINT', () => {
  process.stderr.write('\nagent-sessions: interrupted\n');
  exit(130);
});

/** Exits once stdout and stderr have handed over what was written: process.exit alone may cut piped output. */
function exit(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const done = (): void => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

run(argv, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then(exit, (error) => exit(report(error) || EXIT_FAILURE));
