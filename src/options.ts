/**
 * Validation at the boundary (valibot): manager options and proc/proto options. The core only
 * sees the validated, normalised shapes exported here. Every problem is one `UserError` naming
 * the proc (or `setOptions`) and the option.
 */
import type * as V from 'valibot';

/** valibot, loaded with the first schema built or used: a run whose options take the simple shapes never loads it. */
let valibot: typeof V | null = null;
const vb = (): typeof V => (valibot ??= require('valibot') as typeof V);
import { UserError } from './errors.ts';
import { failOn } from './option-errors.ts';
import { regexProblem } from './util/regex-text.ts';
import { isStandardSchema } from './util/standard-schema.ts';
import { parseDuration } from './util/duration.ts';
import { isTerminal } from './util/tty.ts';
import { simpleShape, type SimpleKind } from './simple-options.ts';
import type {
  ArgType,
  DepContext,
  DepFn,
  FileSpecFn,
  LogIgnoreRule,
  OutputSpec,
  ProcMode,
  RdepRule,
  SpecialDep,
} from './types.ts';

/**
 * The schemas, built on first use: building valibot schemas costs milliseconds, which
 * `import 'parproc'` (and a script that only registers procs later) should not pay at load.
 */
function buildSchemas() {
  const v = vb();
  const fn = v.custom<(...a: never[]) => unknown>((x) => typeof x === 'function', 'expected a function');
  const duration = v.pipe(
    v.custom<number | string>((x) => parseDuration(x) !== null, 'expected a non-negative duration (seconds, or a string like "300ms", "4s", "2 minutes")'),
    v.transform((x) => parseDuration(x) as number),
  );
  const specialDep = v.custom<SpecialDep>(
    (x) => typeof x === 'object' && x !== null && (x as SpecialDep).special === 'no-failures',
    'expected NO_FAILURES',
  );
  const rdepRule = v.custom<RdepRule>(
    (x) => typeof x === 'object' && x !== null && typeof (x as RdepRule).pattern === 'string' &&
      ((x as RdepRule).kind === 'when-scheduled' || (x as RdepRule).kind === 'when-target-scheduled'),
    'expected a pattern string, whenScheduled(…) or whenTargetScheduled(…)',
  );
  const outputSpec = v.custom<OutputSpec>(
    (x) => typeof x === 'object' && x !== null && typeof (x as OutputSpec).path === 'string' && 'enforceFreshness' in x,
    'expected a path, output(…) or a function',
  );
  const logIgnoreRule = v.custom<LogIgnoreRule>(
    (x) => typeof x === 'object' && x !== null && ((x as LogIgnoreRule).when === 'always' || (x as LogIgnoreRule).when === 'succeeded'),
    'expected a string, RegExp, ignoreLogAlways(…) or ignoreLogIfSucceeded(…)',
  );
  const nonEmpty = v.pipe(v.string(), v.minLength(1, 'expected a non-empty string'));
  /** A string used as a regular expression (logIgnore: the original's regex patterns). */
  const regexText = v.pipe(
    v.string(),
    v.check((t) => regexProblem(t) === null, 'expected a valid regular expression'),
  );
  const fileSpecs = v.union(
    [fn, v.array(v.union([nonEmpty, fn], 'expected a path/glob string or a function'))],
    'expected an array of paths/globs/functions, or a function',
  );
  const modeSchema = v.picklist(['inline', 'worker', 'process'], 'expected "inline", "worker" or "process"');
  
  const procEntries = {
    deps: v.optional(v.array(v.union([nonEmpty, fn, specialDep], 'expected a proc name, a function or NO_FAILURES'), 'expected an array of proc names, functions or NO_FAILURES')),
    rdeps: v.optional(v.array(v.union([nonEmpty, rdepRule], 'expected a pattern string, whenScheduled(…) or whenTargetScheduled(…)'), 'expected an array of patterns, whenScheduled(…) or whenTargetScheduled(…)')),
    locks: v.optional(v.array(nonEmpty, 'expected an array of lock names')),
    now: v.optional(v.boolean()),
    timeout: v.optional(duration),
    wave: v.optional(v.pipe(v.number(), v.integer('expected an integer'))),
    inputs: v.optional(fileSpecs),
    inputsIgnore: v.optional(fileSpecs),
    outputs: v.optional(
      v.union([fn, v.array(v.union([nonEmpty, outputSpec, fn], 'expected a path, output(…) or a function'))], 'expected an array of outputs, or a function'),
    ),
    logIgnore: v.optional(v.array(v.union([regexText, v.instance(RegExp), logIgnoreRule], 'expected a string, RegExp or ignoreLog…(…) rule'), 'expected an array of strings, RegExps or ignoreLog…(…) rules')),
    noSkip: v.optional(v.boolean()),
    interactive: v.optional(v.boolean()),
    trackImports: v.optional(v.boolean()),
    trackSource: v.optional(v.boolean()),
    mode: v.optional(modeSchema),
    description: v.optional(v.string()),
    cwd: v.optional(nonEmpty),
    env: v.optional(v.record(v.string(), v.string())),
  };
  
  const argType = v.union(
    [
      v.picklist(['string', 'number', 'integer', 'boolean']),
      fn,
      v.custom((x) => isStandardSchema(x), 'expected a Standard Schema'),
    ],
    'expected "string", "number", "integer", "boolean", a function or a schema',
  );
  const plainObject = v.custom<Record<string, unknown>>(
    (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
    'expected an object',
  );
  
  const procSchema = v.strictObject(procEntries);
  const protoSchema = v.strictObject({
    ...procEntries,
    args: v.optional(plainObject),
    argChoices: v.optional(
      v.union([fn, v.record(v.string(), v.union([v.array(v.unknown()), fn], 'expected an array of values or a function'))], 'expected an object or a function'),
    ),
    argTypes: v.optional(v.record(v.string(), argType)),
  });
  const optionsSchema = v.strictObject({
    parallel: v.optional(v.pipe(v.number(), v.integer('expected an integer'), v.minValue(1, 'expected at least 1'))),
    mode: v.optional(modeSchema),
    dynamic: v.optional(v.boolean()),
    debug: v.optional(v.boolean()),
    allowMissingDeps: v.optional(v.boolean()),
    taskDbPath: v.optional(v.nullable(nonEmpty)),
    nameParamSeparator: v.optional(nonEmpty),
    globalInputsIgnore: v.optional(v.nullable(v.array(nonEmpty, 'expected an array of paths/globs, or null'))),
    watch: v.optional(v.boolean()),
    watchDebounce: v.optional(duration),
    fullLogOnFailure: v.optional(v.boolean()),
    failFast: v.optional(v.boolean()),
    failedFirst: v.optional(v.boolean()),
    quickNoop: v.optional(v.boolean()),
    snippets: v.optional(v.picklist(['all', 'failures', 'none'], 'expected "all", "failures" or "none"')),
    trackImports: v.optional(v.boolean()),
    importRoots: v.optional(v.nullable(v.array(nonEmpty, 'expected an array of directories, or null'))),
    logDir: v.optional(v.nullable(nonEmpty)),
    fingerprint: v.optional(v.picklist(['mtime', 'hash'], 'expected "mtime" or "hash"')),
    traceFile: v.optional(v.nullable(nonEmpty)),
    display: v.optional(v.boolean()),
    remoteCache: v.optional(
      v.nullable(
        v.strictObject({
          url: v.pipe(v.string(), v.regex(/^https?:\/\/[^\s]+$/, 'expected an http:// or https:// URL')),
          token: v.optional(v.string()),
          team: v.optional(nonEmpty),
          readOnly: v.optional(v.boolean()),
          signatureKey: v.optional(v.pipe(v.string(), v.minLength(1))),
          timeout: v.optional(duration),
          maxArtifactBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, 'expected a whole number of bytes, at least 1'))),
        }),
      ),
    ),
  });
  return { procSchema, protoSchema, optionsSchema };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | null = null;
const schemas = (): Schemas => (built ??= buildSchemas());

/** `ProcOptions` after validation: durations in seconds, defaults filled. */
export interface ValidProcOptions {
  deps: (string | DepFn | SpecialDep)[];
  rdeps: (string | RdepRule)[];
  locks: string[];
  now: boolean;
  /** Seconds, or `null`. */
  timeout: number | null;
  wave: number;
  inputs: (string | FileSpecFn)[];
  inputsIgnore: (string | FileSpecFn)[];
  outputs: (string | OutputSpec | FileSpecFn)[];
  logIgnore: (string | RegExp | LogIgnoreRule)[];
  noSkip: boolean;
  /** Gets the terminal's stdin/stdout and runs alone, the live display paused. */
  interactive: boolean;
  trackImports: boolean | null;
  trackSource: boolean;
  mode: ProcMode | null;
  description: string | null;
  cwd: string | null;
  env: Record<string, string> | null;
}

/** `ProtoOptions` after validation. */
export interface ValidProtoOptions extends ValidProcOptions {
  args: Record<string, unknown>;
  argChoices:
    | Record<string, readonly unknown[] | ((c: DepContext) => readonly unknown[])>
    | ((c: DepContext) => Record<string, readonly unknown[]>)
    | null;
  argTypes: Record<string, ArgType>;
}

function checkObject(owner: string, opts: unknown): void {
  if (opts !== undefined && (typeof opts !== 'object' || opts === null || Array.isArray(opts))) {
    throw new UserError(`${owner}: options must be an object, got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`, 'E_OPTION');
  }
}

/** The list of an option not given, shared by every proc (nothing changes a proc's option lists). */
const NONE = Object.freeze([]) as unknown as never[];

const isExclusion = (s: unknown): s is string => typeof s === 'string' && s.startsWith('!');

/**
 * `inputs` with `'!glob'` exclusions (as wireit and turbo write them) moved to `inputsIgnore`. In
 * `outputs` an exclusion has no meaning here: a `UserError`, not a glob that never matches.
 */
function exclusions(owner: string, o: ValidProcOptions): ValidProcOptions {
  const bad = o.outputs.find(isExclusion);
  if (bad !== undefined) throw new UserError(`${owner}: option "outputs" takes no exclusions, got "${bad}" (list what the proc writes; exclusions are for inputs)`, 'E_OPTION');
  if (!o.inputs.some(isExclusion)) return o;
  const ignore = o.inputs.filter(isExclusion).map((s) => s.slice(1));
  return { ...o, inputs: o.inputs.filter((s) => !isExclusion(s)), inputsIgnore: [...o.inputsIgnore, ...ignore] };
}

function normaliseProc(owner: string, o: V.InferOutput<Schemas['procSchema']>): ValidProcOptions {
  const list = <T>(x: T[] | ((...a: never[]) => unknown) | undefined): T[] =>
    x === undefined ? NONE : typeof x === 'function' ? [x as unknown as T] : x;
  return exclusions(owner, {
    deps: (o.deps ?? NONE) as ValidProcOptions['deps'],
    rdeps: o.rdeps ?? NONE,
    locks: o.locks ?? NONE,
    now: o.now ?? false,
    timeout: o.timeout ?? null,
    wave: o.wave ?? 0,
    inputs: list(o.inputs) as ValidProcOptions['inputs'],
    inputsIgnore: list(o.inputsIgnore) as ValidProcOptions['inputsIgnore'],
    outputs: list(o.outputs) as ValidProcOptions['outputs'],
    logIgnore: o.logIgnore ?? NONE,
    noSkip: o.noSkip ?? false,
    interactive: o.interactive ?? false,
    trackImports: o.trackImports ?? null,
    trackSource: o.trackSource ?? true,
    mode: o.mode ?? null,
    description: o.description ?? null,
    cwd: o.cwd ?? null,
    env: o.env ?? null,
  });
}

const MODES = ['inline', 'worker', 'process'] as const;
const PROC_KINDS: Record<string, SimpleKind> = {
  deps: 'names', inputs: 'names', inputsIgnore: 'names', outputs: 'names', locks: 'names',
  now: 'flag', noSkip: 'flag', interactive: 'flag', trackImports: 'flag', trackSource: 'flag',
  description: 'text', mode: MODES,
};
const OPTION_KINDS: Record<string, SimpleKind> = {
  parallel: 'count', mode: MODES, dynamic: 'flag', debug: 'flag', allowMissingDeps: 'flag', watch: 'flag',
  fullLogOnFailure: 'flag', failFast: 'flag', failedFirst: 'flag', quickNoop: 'flag', trackImports: 'flag', display: 'flag',
  taskDbPath: 'path', logDir: 'path', traceFile: 'path',
  snippets: ['all', 'failures', 'none'], fingerprint: ['mtime', 'hash'],
};

/** Validates `proc()` options. */
export function parseProcOptions(name: string, opts: unknown): ValidProcOptions {
  const owner = `proc "${name}"`;
  checkObject(owner, opts);
  const simple = simpleShape((opts ?? {}) as Record<string, unknown>, PROC_KINDS);
  if (simple !== null) return normaliseProc(owner, simple);
  const r = vb().safeParse(schemas().procSchema, opts ?? {});
  if (!r.success) failOn(owner, r.issues, schemas().procSchema);
  return normaliseProc(owner, r.output);
}

/** Validates `proto()` options. */
export function parseProtoOptions(pattern: string, opts: unknown): ValidProtoOptions {
  const owner = `proto "${pattern}"`;
  checkObject(owner, opts);
  const r = vb().safeParse(schemas().protoSchema, opts ?? {});
  if (!r.success) failOn(owner, r.issues, schemas().protoSchema);
  const o = r.output;
  return {
    ...normaliseProc(owner, o),
    args: o.args ?? {},
    argChoices: (o.argChoices ?? null) as ValidProtoOptions['argChoices'],
    argTypes: (o.argTypes ?? {}) as Record<string, ArgType>,
  };
}

/** Manager options (API.md "Options"), validated and with defaults. */
export interface Options {
  parallel: number;
  mode: ProcMode;
  dynamic: boolean;
  debug: boolean;
  allowMissingDeps: boolean;
  taskDbPath: string | null;
  nameParamSeparator: string;
  globalInputsIgnore: string[] | null;
  watch: boolean;
  /** Seconds. */
  watchDebounce: number;
  fullLogOnFailure: boolean;
  /** After the first failure, start nothing new (running procs finish); the rest end `failed-dep`. */
  /** Which procs get log snippets on the terminal: all (capped), failures only, or none (`--snippets`). */
  snippets: 'all' | 'failures' | 'none';
  /** Among ready procs, start those whose last recorded run failed first (task DB). */
  failedFirst: boolean;
  /**
   * The CLI may answer a repeated no-op `run` from its seal without loading the task file
   * (cli/noop-seal.ts). `false` for a task file whose graph depends on the clock or randomness.
   */
  quickNoop: boolean;
  failFast: boolean;
  trackImports: boolean;
  importRoots: string[] | null;
  logDir: string | null;
  fingerprint: 'mtime' | 'hash';
  traceFile: string | null;
  /** A Turborepo Remote Cache API server to share results through (issue 15), or `null`. */
  remoteCache: RemoteCacheOption | null;
  /**
   * Print the built-in display (one line per proc start/end) on stdout. The CLI sets its own
   * reporters and turns this off; `false` leaves output to `onEvent` listeners.
   */
  display: boolean;
}

/** `remoteCache`: where and how; token, team and key may come from the environment instead. */
export interface RemoteCacheOption {
  url: string;
  token?: string;
  team?: string;
  /** Restore from the cache, never upload (the usual setup on laptops). */
  readOnly?: boolean;
  /** Sign uploads and verify downloads (HMAC-SHA256, as turbo does). */
  signatureKey?: string;
  /** Per-request timeout (seconds; default 30). */
  timeout?: number;
  /** The largest artifact packed or downloaded, in bytes (default 1 GiB: artifacts are held in memory). */
  maxArtifactBytes?: number;
}

/** What users may pass: durations as strings, everything optional. */
export type OptionsInput = Partial<Omit<Options, 'watchDebounce' | 'remoteCache'>> & {
  watchDebounce?: number | string;
  remoteCache?: (Omit<RemoteCacheOption, 'timeout'> & { timeout?: number | string }) | null;
};

export function defaultOptions(): Options {
  return {
    parallel: 100,
    mode: 'inline',
    dynamic: isTerminal(1) && !process.env.CI,
    debug: false,
    allowMissingDeps: true,
    taskDbPath: null,
    nameParamSeparator: '::',
    globalInputsIgnore: null,
    watch: false,
    watchDebounce: 0.3,
    fullLogOnFailure: false,
    failFast: false,
    failedFirst: true,
    quickNoop: true,
    snippets: 'all',
    trackImports: false,
    importRoots: null,
    logDir: null,
    fingerprint: 'mtime',
    traceFile: null,
    remoteCache: null,
    display: true,
  };
}

/** Validates a partial options object (`setOptions`, `new ProcManager(opts)`). */
export function parseOptions(opts: unknown, owner = 'setOptions'): Partial<Options> {
  checkObject(owner, opts);
  if (opts === undefined) return {};
  const simple = simpleShape(opts as Record<string, unknown>, OPTION_KINDS);
  if (simple !== null) return simple as Partial<Options>;
  const r = vb().safeParse(schemas().optionsSchema, opts ?? {});
  if (!r.success) failOn(owner, r.issues, schemas().optionsSchema);
  const out: Partial<Options> = {};
  for (const [k, val] of Object.entries(r.output)) {
    if (val !== undefined) (out as Record<string, unknown>)[k] = val;
  }
  return out;
}
