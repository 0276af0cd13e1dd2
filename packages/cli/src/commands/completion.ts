/**
 * `completion bash|zsh|fish`: a script that completes command names and each command's options, built from the
 * same tables the parser uses, so it cannot drift from them. Install: see the README.
 */
import { COMMAND_OPTIONS, COMMANDS, GLOBAL_OPTIONS, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Long options of a command (its own and the global ones), with their leading dashes. */
export function optionsOf(command: string): string[] {
  const own = Object.keys(COMMAND_OPTIONS[command as keyof typeof COMMAND_OPTIONS] ?? {});
  return [...own, ...Object.keys(GLOBAL_OPTIONS)].map((name) => `--${name}`);
}

function bash(): string {
  const cases = COMMANDS.map((c) => `    ${c}) opts="${optionsOf(c).join(' ')}" ;;`).join('\n');
  return `# agent-sessions completion for bash: eval "$(agent-sessions completion bash)"
_agent_sessions() {
  local cur cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${COMMANDS.join(' ')}" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
    *) opts="" ;;
  esac
  if [[ "$cmd" == completion ]]; then opts="${SHELLS.join(' ')}"; fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _agent_sessions agent-sessions
`;
}

function zsh(): string {
  const cases = COMMANDS.map((c) => `    ${c}) opts=(${optionsOf(c).join(' ')}) ;;`).join('\n');
  return `#compdef agent-sessions
# agent-sessions completion for zsh: agent-sessions completion zsh > "\${fpath[1]}/_agent-sessions"
_agent_sessions() {
  local -a commands opts
  commands=(${COMMANDS.join(' ')})
  if (( CURRENT == 2 )); then
    compadd -a commands
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
  if [[ "\${words[2]}" == completion ]]; then opts=(${SHELLS.join(' ')}); fi
  compadd -a opts
  _files
}
compdef _agent_sessions agent-sessions
`;
}

function fish(): string {
  const lines = [
    '# agent-sessions completion for fish: agent-sessions completion fish > ~/.config/fish/completions/agent-sessions.fish',
    'complete -c agent-sessions -f',
    `complete -c agent-sessions -n __fish_use_subcommand -a "${COMMANDS.join(' ')}"`,
  ];
  for (const command of COMMANDS)
    for (const option of optionsOf(command))
      lines.push(`complete -c agent-sessions -n "__fish_seen_subcommand_from ${command}" -l ${option.slice(2)}`);
  lines.push(`complete -c agent-sessions -n "__fish_seen_subcommand_from completion" -a "${SHELLS.join(' ')}"`);
  return `${lines.join('\n')}\n`;
}

export async function completion(ctx: CommandContext): Promise<number> {
  const [shell, ...extra] = ctx.args.positionals;
  if (shell === undefined || extra.length > 0 || !(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(
      `completion takes one shell: ${SHELLS.join(', ')}${shell === undefined ? '' : `, got "${shell}"`}`,
    );
  const scripts: Record<Shell, () => string> = { bash, zsh, fish };
  ctx.io.stdout.write(scripts[shell as Shell]());
  return 0;
}
