/**
 * Public types of API.md: states, errors, proc/proto definitions and their options.
 * Option *values* are validated in `options.ts`; these are the shapes the user writes.
 */
import type { StandardSchemaV1 } from './util/standard-schema.ts';

/**
 * Proc lifecycle. Every change goes through `ProcNode#transition`, which validates the move.
 *
 * ```
 *            start()/dep          deps ok, slot, lock, wave
 *   idle ───────────────▶ wanted ───────────────────────▶ running ──▶ succeeded
 *    │                      │  │                                  ├─▶ failed
 *    │    cache hit         │  │ dep failed / missing / NO_FAILURES └─▶ skipped
 *    └──────────┬───────────┘  ├─────────────────────────▶ failed-dep
 *               │              └── interrupt ────────────▶ failed
 *               ▼
 *           up-to-date
 *   (watch mode and clear() send finished procs back to idle)
 * ```
 */
export type ProcState =
  | 'idle'
  | 'wanted'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'failed-dep'
  | 'skipped'
  | 'up-to-date';

/** Why a proc did not simply succeed. */
export type ProcError =
  | null
  | 'exception'
  | 'dep-failed'
  | 'timeout'
  | 'not-serializable'
  | 'failed'
  | 'skipped'
  | 'no-change'
  | 'outputs-not-refreshed'
  | 'interrupted';

/** A duration: a number of seconds, or a string such as `'300ms'`, `'4s'`, `'2 minutes'`. */
export type Duration = number | string;

/** A path or glob. */
export type FileSpec = string;

/** What dep functions, input functions and arg-choice functions receive. */
export interface DepContext {
  /** The name of the proc being created. */
  procName: string;
  /** The global params (`setParams`). */
  params: Record<string, unknown>;
  /** The new proc's args. */
  args: Record<string, unknown>;
}

export type FileSpecFn = (c: DepContext) => string[];
export type DepFn = (c: DepContext) => string | string[];

/** A special dependency: a global condition rather than a proc. */
export interface SpecialDep {
  readonly special: 'no-failures';
}

/** A conditional reverse dependency (`whenScheduled` / `whenTargetScheduled`). */
export interface RdepRule {
  readonly kind: 'when-scheduled' | 'when-target-scheduled';
  readonly pattern: string;
}

/** A rule that hides log lines from snippets. */
export interface LogIgnoreRule {
  readonly when: 'always' | 'succeeded';
  readonly pattern: string | RegExp;
}

/** A declared output with freshness requirements. */
export interface OutputSpec {
  readonly path: string;
  /** Seconds; an output older than now − maxAge after the run fails the proc. */
  readonly maxAge: number | null;
  readonly enforceFreshness: boolean;
}

/** Where a proc's function runs. */
export type ProcMode = 'inline' | 'worker' | 'process';

/** Options of `proc()`, all optional. */
export interface ProcOptions {
  deps?: (string | DepFn | SpecialDep)[];
  rdeps?: (string | RdepRule)[];
  locks?: string[];
  now?: boolean;
  timeout?: Duration;
  wave?: number;
  inputs?: (FileSpec | FileSpecFn)[] | FileSpecFn;
  inputsIgnore?: (FileSpec | FileSpecFn)[] | FileSpecFn;
  outputs?: (string | OutputSpec | FileSpecFn)[] | FileSpecFn;
  logIgnore?: (string | RegExp | LogIgnoreRule)[];
  noSkip?: boolean;
  trackImports?: boolean;
  /**
   * A function proc's defining module and the first-party modules it imports are part of its
   * definition: editing them makes it stale (default `true`; `false` for a proc that declares
   * its own inputs and should not rerun when the task file changes).
   */
  trackSource?: boolean;
  /** The proc gets the terminal's stdin/stdout and runs alone, the live display paused. */
  interactive?: boolean;
  mode?: ProcMode;
  description?: string;
  cwd?: string;
  env?: Record<string, string>;
}

/** How a value taken from a name is cast. */
export type ArgType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | ((raw: string) => unknown)
  | StandardSchemaV1;

export type ArgChoices =
  | Record<string, readonly unknown[] | ((c: DepContext) => readonly unknown[])>
  | ((c: DepContext) => Record<string, readonly unknown[]>);

/** Options of `proto()`: those of `proc()` plus arg handling. */
export interface ProtoOptions<Params extends string = string> extends ProcOptions {
  args?: Partial<Record<Params, unknown>> & Record<string, unknown>;
  argChoices?:
    | Partial<Record<Params, readonly unknown[] | ((c: DepContext) => readonly unknown[])>>
    | ((c: DepContext) => Partial<Record<Params, readonly unknown[]>>);
  argTypes?: Partial<Record<Params, ArgType>>;
}

/** Extracts `'env' | 'n'` from `'build::[env]::[n]'`. */
export type PatternParams<P extends string> = P extends `${string}[${infer Name}]${infer Rest}`
  ? Name | PatternParams<Rest>
  : never;

/** The type an `ArgType` casts a value to: `'integer'` → number, a function → what it returns, a schema → its output. */
export type ArgTypeOutput<T> = T extends 'number' | 'integer'
  ? number
  : T extends 'boolean'
    ? boolean
    : T extends 'string'
      ? string
      : T extends (raw: string) => infer R
        ? R
        : T extends StandardSchemaV1<unknown, infer O>
          ? O
          : string;

/**
 * The args object of a proto's procs: each param of the pattern a string, or what its `argTypes`
 * entry casts it to (`T`, inferred from the options).
 */
export type PatternArgs<P extends string, T = {}> = [PatternParams<P>] extends [never]
  ? Record<string, unknown>
  : { [K in PatternParams<P>]: K extends keyof T ? ArgTypeOutput<T[K]> : string } & Record<string, unknown>;

/** What a command run by `ctx.$`/`ctx.exec` resolves to. */
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * What `ctx.$` and `ctx.exec` return: a promise of the command's result, with Bun Shell's ways to
 * read it. The command has started already; these only read what it gives.
 */
export interface CommandPromise extends Promise<CommandResult> {
  /** Its stdout. */
  text(): Promise<string>;
  /** Its stdout, parsed as JSON. */
  json<T = unknown>(): Promise<T>;
  /** Its stdout line by line (no line ending, no empty last line). */
  lines(): AsyncIterable<string>;
  /** The same command, resolving with a non-zero exit code instead of throwing `CommandError`. */
  nothrow(): CommandPromise;
  /** The same promise: output goes to the proc's log only, never to the terminal, anyway. */
  quiet(): CommandPromise;
}

/** Options of `ctx.exec`. */
export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Text fed to the command's stdin (default: empty). */
  stdin?: string;
}

/** The context a proc function receives. */
export interface ProcContext<Args = Record<string, unknown>> {
  readonly procName: string;
  readonly args: Args;
  readonly params: Record<string, unknown>;
  /** Results of procs completed when this one started; `wait` merges newer ones in. */
  readonly results: Record<string, unknown>;
  /** Whether any dep was freshly executed (not up-to-date or skipped). */
  readonly depsChanged: boolean;
  /** The deps that were freshly executed. */
  readonly changedDeps: string[];
  /** `Record<path, mtimeMs>` of resolved inputs, or `null` without `inputs`. */
  readonly inputFingerprint: Record<string, number> | null;
  /** Aborted on timeout or interrupt. */
  readonly signal: AbortSignal;
  /** Writes a line to this proc's log. */
  log(...values: unknown[]): void;
  /** Runs a shell command; output goes to the log. Interpolated values are quoted. */
  $(strings: TemplateStringsArray, ...values: unknown[]): CommandPromise;
  /** Runs an argv command without a shell. */
  exec(argv: string[], opts?: ExecOptions): CommandPromise;
  create(nameOrPattern: string, procNameOrArgs?: string | Record<string, unknown>): Promise<string[]>;
  start(...names: (string | string[])[]): Promise<void>;
  run(name: string, opts?: RunOptions): Promise<string[]>;
  wait(...names: (string | string[])[]): Promise<void>;
  /** Asks on the terminal; resolves the answer. */
  prompt(message: string, opts?: { password?: boolean }): Promise<string>;
}

/** A proc's body: a function, a shell command string, or an argv array. */
export type ProcFn<Args = Record<string, unknown>, R = unknown> =
  | ((ctx: ProcContext<Args>, args: Args) => R | Promise<R>)
  | string
  | string[];

/** Options of `run()`. */
export interface RunOptions {
  full?: boolean;
  args?: Record<string, unknown>;
  procName?: string;
}

/** Options of `waitForAll()` / `waitClear()`. */
export interface WaitOptions {
  throwOnFailure?: boolean;
}

/** A snapshot of one proc, from `getProcs()`. */
export interface ProcInfo {
  name: string;
  state: ProcState;
  error: ProcError;
  moreInfo: string | null;
  output: unknown;
  /** Its log file, or `null` when its last execution wrote nothing and did not fail (no file). */
  logFile: string | null;
  /** A command proc's command, filled out from its args (`bun build src/esm.ts --format esm`); `null` for functions. */
  command: string | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Resolved dep names (special deps left out). */
  deps: string[];
  wave: number;
  locks: string[];
  args: Record<string, unknown>;
  /** The pattern it was made from, or `null`. */
  proto: string | null;
  generation: number;
  completedGeneration: number | null;
  description: string | null;
  /** When `up-to-date`: `'local'` (task DB) or `'remote'` (restored from the remote cache); else `null`. */
  cache: 'local' | 'remote' | null;
  /** Its remote-cache key from the last check (remote cache or `--explain` on), else `null`. */
  cacheKey: string | null;
}

/** A snapshot of one proto, from `getProtos()`. */
export interface ProtoInfo {
  pattern: string;
  params: string[];
  deps: (string | SpecialDep | DepFn)[];
  argChoices: ArgChoices | null;
  description: string | null;
}
