/**
 * `parproc completion bash|zsh|fish` prints a completion script; the script asks
 * `parproc __complete <the line up to the cursor>` for candidates: sub-commands, flags, and the
 * proc names and proto patterns of the task file here — with `argChoices` filled out, so
 * `build::<TAB>` offers `build::web build::api`.
 */
import type { ArgsDef } from 'citty';
import { writeStdout } from '../../util/stdio.ts';
import { commandDef, commandIndex, takesValue } from '../main.ts';
import { defineCommand } from '../flags.ts';
import { CliError } from '../errors.ts';
import { candidates, openSession } from '../session.ts';

export const completionCommand = defineCommand({
  meta: { name: 'completion', description: 'print a shell completion script: parproc completion bash|zsh|fish' },
  args: { shell: { type: 'positional', required: true, description: 'bash, zsh or fish' } },
});

const COMMANDS = ['run', 'list', 'ls', 'graph', 'history', 'clean', 'init', 'types', 'completion'];
const SHELLS = ['bash', 'zsh', 'fish'];

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
  # No candidate (a path is wanted: -f, -C, --db, --trace): files.
  if [[ -z "\${candidates[*]}" ]]; then _files; else compadd -Q -- "\${candidates[@]}"; fi
}
compdef _parproc parproc
`,
  fish: `# parproc completion for fish: parproc completion fish > ~/.config/fish/completions/parproc.fish
complete -c parproc -f -a '(parproc __complete (commandline -cp) 2>/dev/null)'
`,
};

export async function runCompletion(rawArgs: string[]): Promise<number> {
  const words = rawArgs.filter((a) => !a.startsWith('-'));
  if (words.length > 1) throw new CliError(`completion: unexpected argument "${words[1]}" (completion takes one SHELL)`);
  const shell = words[0];
  const script = shell === undefined ? undefined : SCRIPTS[shell];
  if (!script) throw new CliError(`completion: expected bash, zsh or fish, got ${shell === undefined ? 'nothing' : `"${shell}"`}`);
  writeStdout(script);
  return 0;
}

/**
 * The flags of a command's definition: `--name` for each, and `--no-name` where its description
 * offers that form (`--no-db`); a flag on by default only as `--no-name` (`--no-quick`).
 */
function flagsOf(def: ArgsDef): string[] {
  const out: string[] = [];
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional') continue;
    const text = d.description ?? '';
    if (!text.includes(`default; --no-${name}`)) out.push(`--${name}`);
    if (text.includes(`--no-${name}`)) out.push(`--no-${name}`);
  }
  return out;
}

/** The values a flag takes when its definition lists them (`valueHint: 'inline|worker|process'`), else `null`. */
function valuesOf(def: ArgsDef, flag: string): string[] | null {
  for (const [name, d] of Object.entries(def)) {
    if (d.type === 'positional') continue;
    const alias = (d as { alias?: string }).alias;
    if (flag !== `--${name}` && flag !== `-${alias}`) continue;
    const hint = (d as { valueHint?: string }).valueHint ?? '';
    return hint.includes('|') ? hint.split('|') : null;
  }
  return null;
}

/**
 * `parproc __complete "<line up to the cursor>"`: one candidate a line (the shell filters them).
 * After a flag that takes a value, that flag's values when it has a fixed set, else nothing (the
 * shell completes a path); a word starting with `-`, the command's own flags; otherwise
 * sub-commands (before one is given) and the task file's names, or a shell after `completion`.
 */
export async function runComplete(rawArgs: string[]): Promise<number> {
  const words = rawArgs.join(' ').split(/\s+/);
  const cur = words.at(-1) ?? '';
  const before = words.slice(1, -1);
  const at = commandIndex(before);
  const command = at < 0 ? null : (before[at] as string);
  const def = (await commandDef(command ?? 'run'))?.args ?? {};
  const print = (list: readonly string[]) => writeStdout(list.length === 0 ? '' : `${[...new Set(list)].join('\n')}\n`);
  const prev = before.at(-1);
  if (prev !== undefined && prev.startsWith('-') && takesValue(prev)) {
    print(valuesOf(def, prev) ?? []);
    return 0;
  }
  if (cur.startsWith('-')) {
    print([...flagsOf(def), '--help', ...(command === null ? ['--version'] : [])]);
    return 0;
  }
  if (command === 'completion') {
    print(SHELLS);
    return 0;
  }
  if (command === 'init' || command === 'types') {
    print([]);
    return 0;
  }
  const out: string[] = command === null ? [...COMMANDS] : [];
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
  print(out);
  return 0;
}
