/**
 * Defining procs and protos (`proc()`, `proto()`): the arguments checked at the boundary, the
 * body and its definition site, the rdep rules compiled, then the registry and the scheduler told.
 * In a worker or child replaying a module nothing is registered: functions are recorded by site.
 */
import { UserError } from './errors.ts';
import { checkProcName, checkProtoPattern, compilePattern } from './graph/pattern.ts';
import type { ProcBody } from './graph/proc-node.ts';
import { RdepIndex } from './graph/rdeps.ts';
import { toBody, type Registry } from './graph/registry.ts';
import { parseProcOptions, parseProtoOptions, type Options } from './options.ts';
import { recordReplayed } from './runners/replay.ts';
import { captureSite, resolveSite } from './runners/site.ts';
import type { Scheduler } from './scheduler/scheduler.ts';
import type { ProcMode } from './types.ts';
import { currentSink } from './util/stdio.ts';

/** What defining needs from the manager (the scheduler and the rdep index are replaced by `clear`). */
export interface DefineHost {
  registry: Registry;
  options(): Readonly<Options>;
  rdeps(): RdepIndex;
  scheduler(): Scheduler;
  /** Replaying a module (worker, child): record functions, register nothing. */
  inert: boolean;
}

/** `proc(name, fn)` or `proc(name, options, fn)`; `argCount` is the call's `arguments.length`. */
export function defineProc(host: DefineHost, name: string, a: unknown, b: unknown, argCount: number): string {
  const [opts, fn] = b === undefined && !isOptions(a) ? [undefined, a] : [a, b];
  if (host.inert) return replayed(name, fn);
  checkProcName(name); // first: proc(fn, 'x') is about the order, not about 'x'
  const owner = `proc "${String(name)}"`;
  const valid = parseProcOptions(String(name), opts);
  const body = procBody(host, owner, fn, valid.mode);
  if (argCount > 3) throw new UserError(`${owner}: too many arguments to proc()`, 'E_ARGS');
  // Compile rdeps first (a bad pattern registers nothing), register them once the proc is in.
  const rules = RdepIndex.compile({ kind: 'proc', name }, valid.rdeps, host.options().nameParamSeparator);
  host.registry.addProc(name, valid, body);
  host.rdeps().register(rules);
  host.scheduler().applyNewRdeps(rules);
  return name;
}

/** `proto(pattern, fn)` or `proto(pattern, options, fn)`. */
export function defineProto(host: DefineHost, pattern: string, a: unknown, b: unknown): string {
  const [opts, fn] = b === undefined && !isOptions(a) ? [undefined, a] : [a, b];
  if (host.inert) return replayed(pattern, fn);
  checkProtoPattern(pattern);
  const owner = `proto "${String(pattern)}"`;
  const valid = parseProtoOptions(String(pattern), opts);
  const body = procBody(host, owner, fn, valid.mode);
  const sep = host.options().nameParamSeparator;
  const rules = RdepIndex.compile({ kind: 'proto', pattern: compilePattern(String(pattern), sep) }, valid.rdeps, sep);
  host.registry.addProto(pattern, valid, body);
  host.rdeps().register(rules);
  host.scheduler().applyNewRdeps(rules);
  return pattern;
}

/** Replaying a module (worker, child): record the function by its site, register nothing. */
function replayed(name: string, fn: unknown): string {
  if (typeof fn === 'function') recordReplayed(name, { kind: 'fn', fn: fn as (c: never, a: never) => unknown, site: captureSite() });
  return name;
}

/**
 * A proc's body; a function's definition site is captured (cheap) for the worker and process
 * modes. A function that those modes could never find again is a `UserError` at once.
 */
function procBody(host: DefineHost, owner: string, fn: unknown, mode: ProcMode | null): ProcBody {
  const body = toBody(owner, fn, typeof fn === 'function' ? captureSite() : null);
  const m = mode ?? host.options().mode;
  if (body.kind === 'fn' && m !== 'inline') {
    if (currentSink() !== undefined) {
      throw new UserError(`${owner}: mode "${m}" needs a function defined at the top level of a module, not inside a running proc; define it at the top level, or give it mode: 'inline'`, 'E_MODE');
    }
    if (body.site && resolveSite(body.site) === null) {
      throw new UserError(`${owner}: mode "${m}" needs a function defined in a module file (this one comes from eval or a REPL); define it in a module, or give it mode: 'inline'`, 'E_MODE');
    }
  }
  return body;
}

function isOptions(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
