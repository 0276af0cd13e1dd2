/** Usage text for `--help`, `help <command>` and `<command> --help`. */
import type { CommandName } from './args.js';

const GLOBAL = `Options for every command:
  -s, --store URL     the store (default: $SESSION_STORE_URL, else file:./.sessions)
      --progress MODE tty | plain | off | auto (default auto; env AGENT_SESSIONS_PROGRESS)
      --debug         print stack traces of errors and drivers' warnings
  -h, --help          this help`;

const USAGE: Record<CommandName, string> = {
  ls: `agent-sessions ls [--limit N] [--parent ID] [--json] [--strict]
  Lists sessions, newest first. A record that cannot be read is named on stderr after the
  listing and the exit code is 1.
  -n, --limit N      rows to show (default 50)
      --parent ID    only sessions whose parent_id is ID
      --json         a JSON array of summaries instead of a table
      --strict       stop at the first unreadable record instead`,
  show: `agent-sessions show <id> [--json] [--full] [--last N]
  Prints the conversation: roles, text, tool calls and results, tasks, usage and cost.
  <id> may be the start of an id when only one stored id starts so (exit 2 lists the matches).
      --json         the stored document as JSON
      --full         tool inputs and results whole (default: cut at 400 characters)
      --last N       only the last N messages (with --json: { messages, total, from, revision })`,
  rm: `agent-sessions rm <id>... [--yes] [--dry-run] [--force] [--json]
  Deletes sessions. On a terminal it asks first.
  -y, --yes          do not ask
      --dry-run      say what would be removed; remove nothing
  -f, --force        an id that does not exist is not an error
      --json         {"removed": [...], "missing": [...]} on stdout`,
  fork: `agent-sessions fork <source> <new> [--at N]
  Stores <new> as a copy of <source> (parent_id set to it) with its first N messages.
      --at N         how many messages to copy (default all)`,
  rewind: `agent-sessions rewind <id> --keep N [--yes]
  Keeps the first N messages of a session and removes the rest (asks first on a terminal).
      --keep N       how many of the first messages to keep
  -y, --yes          do not ask (needed when not on a terminal)`,
  export: `agent-sessions export [id...] [--parent ID] [-o FILE] > sessions.jsonl
  Writes one session document per line (JSON Lines); all sessions when no id is given.
      --parent ID    only sessions whose parent_id is ID
  -o, --output FILE  write to FILE instead of stdout (- is stdout)
      --json         the summary as JSON (on stdout with -o FILE, else the last line of stderr)`,
  import: `agent-sessions import [--strict] [--skip-existing] [-i FILE] < sessions.jsonl
  Saves one session document per line; a stored session with the same id is replaced.
      --strict         stop at the first invalid line; default: report it, go on, exit 1 at the end
      --skip-existing  keep sessions that are already stored instead of replacing them
  -i, --input FILE     read FILE instead of stdin (- is stdin)
      --json           the summary as JSON on stdout`,
  migrate: `agent-sessions migrate --from URL --to URL [--dry-run]
       agent-sessions migrate --layout v1|legacy [--store file:DIR] [--dry-run]
  Copies every session and verifies each copy; sessions the target already holds unchanged
  are skipped, so running it again resumes an interrupted migration.
  With --layout, converts a file store's folder in place instead: v1 is today's a3s-code layout
  (v1/sessions/id_<base64url>.json), legacy is <id>.json; documents and revisions stay as they are.
      --from URL       the store to copy from
      --to URL         the store to copy to
      --layout LAYOUT  convert the folder of --store to v1 or legacy
      --dry-run        report what would be copied or moved; write nothing
      --json           the summary as JSON on stdout`,
  doctor: `agent-sessions doctor [--store URL] [--read-only] [--json]
  Checks the store: adapter package, connection, listing, and a write/read/delete round trip.
  A store that does not exist is a failure; doctor creates nothing.
      --read-only    skip the write round trip
      --json         the steps and the verdict as JSON on stdout`,
  serve: `agent-sessions serve [--port 4680] [--host 127.0.0.1] [--allow-delete]
  A web viewer of the store: sessions, conversations, usage charts, tasks and children.
  Prints the URL to open; runs until Ctrl-C. Read-only unless --allow-delete.
      --port N        port to listen on (default 4680; 0 picks a free one)
      --host ADDR     address to listen on (default 127.0.0.1, this machine only); another
                      address lets other machines read every session: a warning is printed
      --allow-delete  offer a button that deletes a session`,
  completion: `agent-sessions completion bash|zsh|fish
  Prints a shell completion script for commands and options:
    bash: eval "$(agent-sessions completion bash)"   (in ~/.bashrc)
    zsh:  agent-sessions completion zsh > "\${fpath[1]}/_agent-sessions"
    fish: agent-sessions completion fish > ~/.config/fish/completions/agent-sessions.fish`,
  help: `agent-sessions help [command]`,
};

export function usage(command?: CommandName | null): string {
  if (command && command !== 'help') return `${USAGE[command]}\n\n${GLOBAL}`;
  return `agent-sessions: see, move and check stored agent sessions

Usage: agent-sessions <command> [options]

Commands:
  ls        list sessions, newest first
  show      print one session's conversation
  rm        delete sessions
  fork      copy a session up to a message, as a child of it
  rewind    remove the last messages of a session
  export    write sessions as JSON Lines
  import    read sessions from JSON Lines
  migrate   copy every session from one store to another, verified
  doctor    check a store's health
  serve     look at the sessions in a browser
  completion  print a bash, zsh or fish completion script

Store URLs: file:./sessions  sqlite:./sessions.db  redis://host:6379?prefix=app
            postgres://user:pass@host/db?schema=app&table=sessions  s3://bucket/prefix  memory:

${GLOBAL}

Reading commands (ls, show, export, doctor, serve, rm) never create a store: a missing
folder, file or table is an error naming it.

Exit codes: 0 ok, 1 operational failure, 2 usage error, 130 interrupted (Ctrl-C).
Run "agent-sessions help <command>" for a command's options.`;
}
