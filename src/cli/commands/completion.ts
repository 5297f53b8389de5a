/**
 * `parproc completion bash|zsh|fish` prints a completion script; the script asks
 * `parproc __complete <the line up to the cursor>` for candidates: sub-commands, flags, and the
 * proc names and proto patterns of the task file here — with `argChoices` filled out, so
 * `build::<TAB>` offers `build::web build::api`.
 */
import { writeStdout } from '../../util/stdio.ts';
import { defineCommand } from '../flags.ts';
import { CliError } from '../errors.ts';
import { candidates, openSession } from '../session.ts';

export const completionCommand = defineCommand({
  meta: { name: 'completion', description: 'print a shell completion script: parproc completion bash|zsh|fish' },
  args: { shell: { type: 'positional', required: true, description: 'bash, zsh or fish' } },
});

const COMMANDS = ['run', 'list', 'ls', 'graph', 'history', 'clean', 'init', 'types', 'completion'];
const FLAGS = [
  '--file', '--cwd', '--parallel', '--mode', '--param', '--dry-run', '--full', '--watch', '--db', '--no-db', '--json', '--trace',
  '--full-log', '--dynamic', '--no-dynamic', '--stream', '--snippets', '--fail-fast', '--no-failed-first', '--remote-cache',
  '--no-remote-cache', '--remote-team', '--remote-read-only', '--explain', '--help', '--version',
];

const SCRIPTS: Record<string, string> = {
  bash: `# parproc completion for bash: source <(parproc completion bash)   (or save it under
# ~/.local/share/bash-completion/completions/parproc)
_parproc() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local cur="\${line##*[[:space:]]}"
  local IFS=$'\\n'
  COMPREPLY=( $(compgen -W "$(parproc __complete "$line" 2>/dev/null)" -- "$cur") )
  # bash splits words at ':' (COMP_WORDBREAKS): complete only what follows the last one.
  if [[ "$cur" == *:* && "$COMP_WORDBREAKS" == *:* ]]; then
    local colon="\${cur%"\${cur##*:}"}" i
    for i in "\${!COMPREPLY[@]}"; do COMPREPLY[$i]="\${COMPREPLY[$i]#"$colon"}"; done
  fi
}
complete -o default -F _parproc parproc
`,
  zsh: `#compdef parproc
# parproc completion for zsh: parproc completion zsh > "\${fpath[1]}/_parproc"   (or source it)
_parproc() {
  local -a candidates
  candidates=("\${(@f)$(parproc __complete "\${BUFFER[1,CURSOR]}" 2>/dev/null)}")
  compadd -Q -- "\${candidates[@]}"
}
compdef _parproc parproc
`,
  fish: `# parproc completion for fish: parproc completion fish > ~/.config/fish/completions/parproc.fish
complete -c parproc -f -a '(parproc __complete (commandline -cp) 2>/dev/null)'
`,
};

export async function runCompletion(rawArgs: string[]): Promise<number> {
  const shell = rawArgs.find((a) => !a.startsWith('-'));
  const script = shell === undefined ? undefined : SCRIPTS[shell];
  if (!script) throw new CliError(`completion: expected bash, zsh or fish, got ${shell === undefined ? 'nothing' : `"${shell}"`}`);
  writeStdout(script);
  return 0;
}

/** `parproc __complete "<line up to the cursor>"`: one candidate a line (the shell filters them). */
export async function runComplete(rawArgs: string[]): Promise<number> {
  const line = rawArgs.join(' ');
  const words = line.split(/\s+/);
  const cur = words.at(-1) ?? '';
  const before = words.slice(1, -1);
  if (cur.startsWith('-')) {
    writeStdout(`${FLAGS.join('\n')}\n`);
    return 0;
  }
  const out: string[] = before.some((w) => COMMANDS.includes(w)) ? [] : [...COMMANDS];
  try {
    // The task file's names (its top-level output goes to stderr, which the scripts drop).
    const fileAt = before.findIndex((w) => w === '-f' || w === '--file');
    const cwdAt = before.findIndex((w) => w === '-C' || w === '--cwd');
    const { pm } = await openSession({ file: fileAt >= 0 ? before[fileAt + 1] : undefined, cwd: cwdAt >= 0 ? before[cwdAt + 1] : undefined, json: true });
    out.push(...candidates(pm));
    pm.close();
  } catch {
    // no task file here (or a broken one): commands only
  }
  writeStdout(`${[...new Set(out)].join('\n')}\n`);
  return 0;
}
