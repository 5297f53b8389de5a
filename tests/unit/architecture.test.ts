// The layering of STYLE.md, checked on the source: a cheap lint that fails when a layer reaches
// where it should not.
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dir, '..', '..', 'src');
const files = (readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(SRC, f));
const rel = (f: string) => relative(SRC, f).split('\\').join('/');
const source = (f: string) => readFileSync(f, 'utf8');
const imports = (f: string) => [...source(f).matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);

describe('architecture', () => {
  test('no console.* outside ui/, cli/ and the stdio capture itself', () => {
    const offenders = files
      .filter((f) => !/^(ui|cli)\//.test(rel(f)) && rel(f) !== 'util/stdio.ts')
      .filter((f) => /\bconsole\.(log|info|warn|error|debug|trace)\(/.test(source(f)))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  test('graph/ is pure: no I/O modules', () => {
    const offenders = files
      .filter((f) => rel(f).startsWith('graph/'))
      .filter((f) => imports(f).some((i) => /^(node:)?(fs|child_process|net|os)$|^bun:/.test(i)))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  test('the core never imports the displays or the CLI', () => {
    const core = files.filter((f) => /^(graph|scheduler|runners|cache|files|remote|util)\//.test(rel(f)));
    const offenders = core.filter((f) => imports(f).some((i) => /\/(ui|cli)\//.test(i) || /^\.\.\/(ui|cli)\//.test(i))).map(rel);
    expect(offenders).toEqual([]);
  });

  test('only cli/ and the child-process entry (a process of its own) set exit codes or exit', () => {
    const offenders = files
      .filter((f) => !rel(f).startsWith('cli') && rel(f) !== 'cli.ts' && rel(f) !== 'runners/child-entry.ts')
      .filter((f) => /process\.exit\(|process\.exitCode\s*=/.test(source(f)))
      .map(rel);
    expect(offenders).toEqual([]);
  });
});
