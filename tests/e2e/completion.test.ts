/**
 * Shell completion (issue 14): the bash script in a real bash — `complete -p`, and the candidates
 * `compgen` leaves for a partial word: sub-commands, each command's own flags, a flag's fixed
 * values, procs, and proto names filled from argChoices (`build::<TAB>`).
 */
import { describe, expect, setDefaultTimeout, test } from 'bun:test';
import { CliRig, SRC_CLI } from '../helpers/cli-rig.ts';

setDefaultTimeout(30_000);

describe('parproc completion', () => {
  test('bash: registered for parproc; commands, flags, procs and filled-out proto names complete', async () => {
    await using rig = await CliRig.create();
    rig.write({
      'parproc.ts': `import { proc, proto } from 'parproc';\nconsole.log('top-level output never reaches the shell');\nproto('build::[target]', { argChoices: { target: ['web', 'api'] } }, () => 1);\nproc('test', () => 1);\n`,
      't.sh': `parproc() { ${JSON.stringify(process.execPath)} ${JSON.stringify(SRC_CLI)} "$@"; }
source <(parproc completion bash)
complete -p parproc
for line in 'parproc build::' 'parproc te' 'parproc --fail' 'parproc li' 'parproc -j 2 run build::w' 'parproc --mode ' 'parproc run --snippets f' 'parproc graph --format ' 'parproc history --l' 'parproc graph --l' 'parproc completion ' 'parproc -f ' 'parproc init '; do
  COMP_LINE="$line"; COMP_POINT=\${#COMP_LINE}; _parproc; echo "[\${COMPREPLY[*]}]"
done
COMP_WORDBREAKS=' '; COMP_LINE='parproc build::'; COMP_POINT=\${#COMP_LINE}; _parproc; echo "[\${COMPREPLY[*]}]"
`,
    });
    const r = Bun.spawnSync(['bash', 't.sh'], { cwd: rig.dir, stdout: 'pipe', stderr: 'pipe', env: process.env });
    expect(r.exitCode, r.stderr.toString()).toBe(0);
    expect(r.stdout.toString().split('\n')).toEqual([
      'complete -o default -F _parproc parproc',
      '[[target] web api]', // after the last ':' (bash splits words there)
      '[test]',
      '[--fail-fast]',
      '[list]',
      '[web]',
      '[inline worker process]', // a flag's fixed values
      '[failures]',
      '[mermaid dot json]',
      '[--limit]', // the command's own flags
      '[]',
      '[bash zsh fish]',
      '[]', // a path: the shell's own file completion (-o default)
      '[]',
      '[build::[target] build::web build::api]', // without ':' in COMP_WORDBREAKS: whole names
      '',
    ]);
  });

  test('zsh and fish scripts; an unknown shell is one line, exit 2', async () => {
    await using rig = await CliRig.create();
    expect((await rig.exec(['completion', 'zsh'])).stdout).toContain('compdef _parproc parproc');
    expect((await rig.exec(['completion', 'fish'])).stdout).toContain("complete -c parproc -f -a '(parproc __complete (commandline -cp)");
    const bad = await rig.exec(['completion', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('parproc: completion: expected bash, zsh or fish, got "tcsh"');
  });
});
