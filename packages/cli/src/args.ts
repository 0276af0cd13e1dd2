/**
 * Command-line parsing with node:util `parseArgs`: the command name, the options every command shares, and each
 * command's own options. Anything wrong here is a {@link UsageError} (exit code 2).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closest } from './suggest.js';

/** A mistake in how the command was called: exit code 2 with a pointer to `--help`. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  store: { type: 'string', short: 's' },
  progress: { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export type ProgressMode = 'tty' | 'plain' | 'off';
export const PROGRESS_MODES: readonly ProgressMode[] = ['tty', 'plain', 'off'];

/** Each command's own options, on top of {@link GLOBAL_OPTIONS}. */
export const COMMAND_OPTIONS = {
  ls: {
    limit: { type: 'string', short: 'n' },
    parent: { type: 'string' },
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
  },
  show: { json: { type: 'boolean' }, full: { type: 'boolean' }, last: { type: 'string' } },
  rm: {
    force: { type: 'boolean', short: 'f' },
    yes: { type: 'boolean', short: 'y' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  fork: { at: { type: 'string' } },
  rewind: { keep: { type: 'string' }, yes: { type: 'boolean', short: 'y' } },
  export: { parent: { type: 'string' }, output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  import: {
    json: { type: 'boolean' },
    strict: { type: 'boolean' },
    'skip-existing': { type: 'boolean' },
    input: { type: 'string', short: 'i' },
  },
  migrate: {
    from: { type: 'string' },
    to: { type: 'string' },
    layout: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  doctor: { 'read-only': { type: 'boolean' }, json: { type: 'boolean' } },
  serve: { port: { type: 'string' }, host: { type: 'string' }, 'allow-delete': { type: 'boolean' } },
  completion: {},
  help: {},
} as const satisfies Record<string, OptionSpec>;

export type CommandName = keyof typeof COMMAND_OPTIONS;
export const COMMANDS = Object.keys(COMMAND_OPTIONS) as CommandName[];

export interface ParsedArgs {
  /** Null when only `--help` or `--version` was given. */
  command: CommandName | null;
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  /** `--version` / `-V` alone. */
  version: boolean;
}

// Global options that take a value: their value must not be mistaken for the command name.
const VALUE_OPTIONS = new Set(['--store', '-s', '--progress']);

/** Splits `argv` (without node and the script) into the command, its positionals and its options. */
export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let index = -1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (VALUE_OPTIONS.has(arg)) {
      i++;
      continue;
    }
    if (!arg.startsWith('-')) {
      index = i;
      break;
    }
  }
  if (index === -1) {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V'))
      return { command: null, positionals: [], values: {}, version: true };
    const { values } = parse(argv, GLOBAL_OPTIONS, 'agent-sessions');
    if (values.help) return { command: null, positionals: [], values, version: false };
    throw new UsageError(argv.length === 0 ? 'missing command' : 'missing command before the options');
  }
  const name = argv[index] as string;
  if (!Object.hasOwn(COMMAND_OPTIONS, name)) {
    const guess = closest(name, COMMANDS);
    throw new UsageError(
      `unknown command "${name}"${guess === null ? '' : `; did you mean "${guess}"?`} Commands: ${COMMANDS.filter((c) => c !== 'help').join(', ')}`,
    );
  }
  const command = name as CommandName;
  const rest = [...argv.slice(0, index), ...argv.slice(index + 1)];
  const { values, positionals } = parse(rest, { ...GLOBAL_OPTIONS, ...COMMAND_OPTIONS[command] }, command);
  return { command, positionals, values, version: false };
}

function parse(argv: readonly string[], options: OptionSpec, where: string) {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    // parseArgs messages name the option and sometimes add advice on a second line; keep one line.
    const message = (error as Error).message.split('\n')[0]?.replace(/\.$/, '') ?? 'bad arguments';
    throw new UsageError(`${where}: ${unknownOption(error, options) ?? message}`);
  }
}

/** "unknown option --jsno; did you mean --json?" for an option this command does not have; else null. */
function unknownOption(error: unknown, options: OptionSpec): string | null {
  if ((error as { code?: string }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return null;
  const typed = /'(-{1,2}[^'=]+)/.exec((error as Error).message)?.[1];
  if (typed === undefined) return null;
  const guess = typed.startsWith('--') ? closest(typed.slice(2), Object.keys(options)) : null;
  return `unknown option ${typed}${guess === null ? '' : `; did you mean --${guess}?`}`;
}

/** A positive integer option (such as `--limit`); `fallback` when absent. */
export function integerOption(values: ParsedArgs['values'], name: string, fallback: number, max?: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || (max !== undefined && value > max))
    throw new UsageError(`--${name} must be an integer from 1${max === undefined ? '' : ` to ${max}`}, got "${raw}"`);
  return value;
}

/** A string option, or undefined. */
export function stringOption(values: ParsedArgs['values'], name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** A string option that must be present. */
export function requiredOption(values: ParsedArgs['values'], name: string, command: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UsageError(`${command} needs --${name} URL`);
  return value;
}

export function resolveProgressMode(values: ParsedArgs['values'], env: NodeJS.ProcessEnv): ProgressMode | 'auto' {
  const raw = stringOption(values, 'progress') ?? env.AGENT_SESSIONS_PROGRESS;
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if ((PROGRESS_MODES as readonly string[]).includes(raw)) return raw as ProgressMode;
  throw new UsageError(`--progress (or AGENT_SESSIONS_PROGRESS) must be tty, plain, off or auto, got "${raw}"`);
}
