/** Dispatch: parse the command line, run the command, close what it opened. Returns the exit code. */
import { COMMANDS, type CommandName, parseCommandLine, UsageError } from './args.js';
import { completion } from './commands/completion.js';
import { doctor } from './commands/doctor.js';
import { exportSessions } from './commands/export.js';
import { fork } from './commands/fork.js';
import { importSessions } from './commands/import.js';
import { ls } from './commands/ls.js';
import { migrate } from './commands/migrate.js';
import { rewind } from './commands/rewind.js';
import { rm } from './commands/rm.js';
import { serve } from './commands/serve.js';
import { show } from './commands/show.js';
import { type CliIO, CommandContext } from './context.js';
import { usage } from './help.js';
import { explainUnavailable } from './unavailable.js';
import { version } from './version.js';

type Command = (ctx: CommandContext) => Promise<number>;

const HANDLERS: Record<Exclude<CommandName, 'help'>, Command> = {
  ls,
  show,
  rm,
  fork,
  rewind,
  export: exportSessions,
  import: importSessions,
  migrate,
  doctor,
  serve,
  completion,
};

/** Runs one command line. Errors propagate to the caller, which turns them into one line and an exit code. */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  const args = parseCommandLine(argv);
  if (args.version) {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  if (args.command === null || args.command === 'help') {
    const topic = args.command === 'help' ? args.positionals[0] : undefined;
    if (topic !== undefined && !COMMANDS.includes(topic as CommandName)) throw new UsageError(`no help for "${topic}"`);
    io.stdout.write(`${usage(topic as CommandName | undefined)}\n`);
    return 0;
  }
  if (args.values.help) {
    io.stdout.write(`${usage(args.command)}\n`);
    return 0;
  }
  const ctx = new CommandContext(io, args);
  try {
    return await HANDLERS[args.command](ctx);
  } catch (error) {
    explainUnavailable(error, ctx.urls);
    throw error;
  } finally {
    await ctx.closeAll();
  }
}
