/** API.md "Helpers and constants": special deps, rdep rules, log-ignore rules, outputs, files. */
import { walkFiles } from './util/walk.ts';
import { UserError } from './errors.ts';
import type { Duration, FileSpecFn, LogIgnoreRule, OutputSpec, RdepRule, SpecialDep } from './types.ts';
import { parseDuration } from './util/duration.ts';
import { regexProblem } from './util/regex-text.ts';

/**
 * node:fs, loaded when a file list is made: a child process of `mode: 'process'` loads this module
 * to replay a task file, and loading node:fs costs Bun several ms per process.
 */
const fs = (): typeof import('node:fs') => require('node:fs') as typeof import('node:fs');

/** Special dep: satisfied only while no proc in the run has failed. */
export const NO_FAILURES: SpecialDep = Object.freeze({ special: 'no-failures' as const });

function checkPattern(fn: string, pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern === '') {
    throw new UserError(`${fn}: expected a non-empty pattern string, got ${JSON.stringify(pattern)}`, 'E_ARGS');
  }
  return pattern;
}

/** Rdep rule: when the declaring proc is scheduled, it becomes a dep of (and schedules) the target. */
export function whenScheduled(pattern: string): RdepRule {
  return Object.freeze({ kind: 'when-scheduled' as const, pattern: checkPattern('whenScheduled', pattern) });
}

/** Rdep rule: when the target is scheduled, the declaring proc is created, scheduled and injected. */
export function whenTargetScheduled(pattern: string): RdepRule {
  return Object.freeze({ kind: 'when-target-scheduled' as const, pattern: checkPattern('whenTargetScheduled', pattern) });
}

function checkLogPattern(fn: string, p: unknown): string | RegExp {
  if (p instanceof RegExp) return p;
  if (typeof p !== 'string') throw new UserError(`${fn}: expected a string or RegExp, got ${typeof p}`, 'E_ARGS');
  const problem = regexProblem(p);
  if (problem !== null) throw new UserError(`${fn}: invalid regular expression ${JSON.stringify(p)}: ${problem}`, 'E_REGEX');
  return p;
}

/** Log-snippet rule applied whatever the outcome (a bare string or RegExp means the same). */
export function ignoreLogAlways(p: string | RegExp): LogIgnoreRule {
  return Object.freeze({ when: 'always' as const, pattern: checkLogPattern('ignoreLogAlways', p) });
}

/** Log-snippet rule applied only when the proc ended in a success state. */
export function ignoreLogIfSucceeded(p: string | RegExp): LogIgnoreRule {
  return Object.freeze({ when: 'succeeded' as const, pattern: checkLogPattern('ignoreLogIfSucceeded', p) });
}

/** A declared output with a freshness requirement. */
export function output(file: string, opts: { maxAge?: Duration; enforceFreshness?: boolean } = {}): OutputSpec {
  if (typeof file !== 'string' || file === '') throw new UserError(`output: expected a file path, got ${JSON.stringify(file)}`, 'E_ARGS');
  let maxAge: number | null = null;
  if (opts.maxAge !== undefined) {
    maxAge = parseDuration(opts.maxAge);
    if (maxAge === null) throw new UserError(`output("${file}"): maxAge ${JSON.stringify(opts.maxAge)} is not a duration`, 'E_ARGS');
  }
  if (opts.enforceFreshness !== undefined && typeof opts.enforceFreshness !== 'boolean') {
    throw new UserError(`output("${file}"): enforceFreshness must be a boolean`, 'E_ARGS');
  }
  return Object.freeze({ path: file, maxAge, enforceFreshness: opts.enforceFreshness ?? true });
}

/**
 * Files under `root` whose POSIX path relative to `root` matches `pattern`, as paths joined to
 * `root`. An invalid regex, or a root that is not a directory, is a `UserError`.
 */
export function regexFiles(root: string, pattern: string | RegExp): FileSpecFn {
  const problem = typeof pattern === 'string' ? regexProblem(pattern) : null;
  if (problem !== null) throw new UserError(`regexFiles("${root}"): invalid regular expression ${JSON.stringify(pattern)}: ${problem}`, 'E_REGEX');
  const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  const checkRoot = (): void => {
    let ok = false;
    try {
      ok = fs().statSync(root).isDirectory();
    } catch {
      ok = false;
    }
    if (!ok) throw new UserError(`regexFiles: root "${root}" is not a directory`, 'E_NOT_DIR');
  };
  // The root is checked when the inputs are expanded (check time), not now: a dep may create it.
  return () => {
    checkRoot();
    const out: string[] = [];
    // Files (a symlink to a file too); no symlinked directory entered (util/walk.ts). As for a
    // directory input, neither parproc's own `.parproc` (its files change at every run: the proc
    // would never be up to date) nor `.git` is entered.
    walkFiles(
      root,
      (path, rel) => {
        re.lastIndex = 0; // a /g or /y pattern keeps its place between tests
        if (re.test(rel)) out.push(path);
      },
      false,
      (name) => name === '.parproc' || name === '.git',
    );
    return out.sort();
  };
}
