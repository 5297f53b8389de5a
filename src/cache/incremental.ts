/**
 * Incremental runs (SPEC 6–7) for a manager: decides before each proc starts whether it is up to
 * date, and records each execution's history and cached result in the task DB (task-db.ts,
 * opened on first need). A DB problem is a warning, never a failed run.
 */
import { ownPaths } from '../files/own-paths.ts';
import { resolve } from '../util/path.ts';
import { describeOutputProblem, resolveOutputs, verifyOutputs } from '../files/outputs.ts';
import { fingerprintFiles, mtimesOf } from '../files/fingerprint.ts';
import { displayPath, resolveInputs, type InputSpec } from '../files/inputs.ts';
import { withOwnOutputs } from './own-outputs.ts';
import { StatPass, type FileStat } from '../files/stat-pass.ts';
import { fillSpecs } from '../graph/proc-specs.ts';
import { definitionHash } from './definition.ts';
import type { ProcNode } from '../graph/proc-node.ts';
import type { Options } from '../options.ts';
import type { Outcome } from '../runners/runner.ts';
import type { DepContext } from '../types.ts';
import { decide, type StalenessFacts, type Verdict } from './staleness.ts';
import { plainFiles, unchangedInputs } from './quick-check.ts';
import type { CheckVerdict } from '../scheduler/host.ts';
import type { SqliteStore } from './sqlite-store.ts';
import type { InputFingerprints, RunRecord } from './task-store.ts';
import { TaskDb } from './task-db.ts';
import { procKey, type ProcKey } from '../remote/keys.ts';
import type { RemoteCache } from '../remote/remote-cache.ts';

export interface IncrementalHost {
  options(): Readonly<Options>;
  params(): Record<string, unknown>;
  /** A hash of the params (`''` with none), part of function procs' definitions. */
  paramsHash(): string;
  warn(message: string): void;
  /** The module whose content (with its first-party imports) defines function procs. */
  sourceRoot(): string | null;
  /** Where remote-cache paths are relative to: the task file's directory, else the working directory. */
  projectRoot(): string;
  /** The remote cache, when configured (and not given up on). */
  remote(): RemoteCache | null;
  /** Writes a restored proc's log to its log file and the displays. */
  replayLog(node: ProcNode, log: Uint8Array): void;
}

/** Procs the remote cache holds: those the task DB would skip (deps or inputs), not interactive. */
function shareable(node: ProcNode): boolean {
  return !node.opts.noSkip && !node.opts.interactive && (node.depNames.length > 0 || node.opts.inputs.length > 0);
}

export class Incremental {
  #host: IncrementalHost;
  /** The task DB, opened on first need. */
  #db: TaskDb;
  /** Ignore the cache for every proc (`--full`). */
  fullRun = false;
  /** A dry run: nothing is restored from the remote cache. */
  dryRun = false;
  /** Make every proc's cache key even without a remote cache (`-n --explain`). */
  explain = false;
  readonly runId = `${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  /** Stats shared by the checks of one pass (each distinct path once). */
  #pass = new StatPass();
  /**
   * Every stat this run's checks took, while each check was decided from stats and cached rows
   * alone (`#unchanged`); `null` once one needed more, or a path's stat differed between passes.
   */
  #checked: Map<string, FileStat | null> | null = null;
  /** Whether the last check was decided by `#unchanged`. */
  #quick = false;

  constructor(host: IncrementalHost) {
    this.#host = host;
    this.#db = new TaskDb({ path: () => host.options().taskDbPath, warn: (m) => host.warn(m) });
  }

  /** The open store for the current `taskDbPath`, or `null` (see TaskDb). */
  store(): SqliteStore | null {
    return this.#db.store();
  }

  #context(node: ProcNode): DepContext {
    return { procName: node.name, params: this.#host.params(), args: node.args };
  }

  /**
   * From now on, keeps every stat the checks take (the CLI's no-op seal, cli/noop-seal.ts):
   * `checkedStats()` gives them, or `null` when some check needed more than stats and cached rows.
   */
  keepCheckedStats(): void {
    const checked = (this.#checked = new Map());
    this.#pass.onStat = (abs, st) => {
      if (this.#checked === null) return;
      const seen = checked.get(abs);
      if (seen === undefined) checked.set(abs, st === null ? null : { mtimeMs: st.mtimeMs, size: st.size });
      else if ((seen === null) !== (st === null) || (seen !== null && st !== null && (seen.mtimeMs !== st.mtimeMs || seen.size !== st.size))) this.#checked = null;
    };
  }

  /** See `keepCheckedStats`. */
  checkedStats(): ReadonlyMap<string, FileStat | null> | null {
    return this.#checked;
  }

  /** Decides whether `node` runs; takes its input fingerprints (for ctx and the cache). */
  check(node: ProcNode): CheckVerdict {
    this.#quick = false;
    const verdict = this.#check(node);
    if (!this.#quick) this.#checked = null;
    return verdict;
  }

  #check(node: ProcNode): CheckVerdict {
    const o = this.#host.options();
    if (node.depNodes.length === 0 && node.opts.inputs.length === 0 && !this.explain) return this.#alwaysRuns(node, o);
    // The working directory as it is now (process.cwd() is absolute and normalised already).
    const base = node.opts.cwd === null ? process.cwd() : resolve(node.opts.cwd);
    // A dep restored from the remote cache changed its outputs like one that ran.
    const changedDep = node.depNodes.find((d) => (d.state === 'succeeded' && d.executed) || d.cacheSource === 'remote');
    const quick = changedDep === undefined ? this.#unchanged(node, o, base) : null;
    if (quick !== null) return quick;
    const store = this.store();
    // With a dep that ran, the proc runs whatever its cached row says: the row is read only for
    // what it lends its inputs' fingerprints (hashes of unchanged files are not computed again).
    const cached = changedDep !== undefined && node.opts.inputs.length === 0 ? null : (store?.getCached(node.name) ?? null);
    let outputsProblem = null;
    node.inputs = null;
    try {
      if (node.opts.inputs.length > 0) {
        const paths = resolveInputs(this.#inputSpec(node, o, base), this.#context(node), this.#pass.stat);
        node.inputs = fingerprintFiles(paths, (p) => displayPath(p, base), o.fingerprint, cached?.inputs ?? null, this.#pass.stat);
      }
      if (cached !== null && node.opts.outputs.length > 0) {
        const problem = verifyOutputs(resolveOutputs(fillSpecs(node.opts.outputs, node), this.#context(node), base), this.#pass.stat);
        // Shown in the reason as inputs are: relative to the project where inside it.
        const shown = (paths: string[]) => paths.map((p) => displayPath(p, base));
        outputsProblem = problem && { missing: shown(problem.missing), stale: shown(problem.stale) };
      }
    } catch (err) {
      return { kind: 'failed', error: 'exception', moreInfo: (err as Error).message };
    }
    const verdict = this.#decide({
      full: this.fullRun || node.full,
      noSkip: node.opts.noSkip,
      hasStore: store !== null,
      hasDeps: node.depNodes.length > 0,
      hasInputs: node.opts.inputs.length > 0,
      changedDep: changedDep?.name ?? null,
      cached,
      inputs: node.inputs,
      // Only compared against a cached result: not worth hashing without one.
      definition: cached === null ? '' : definitionHash(node, this.#host.sourceRoot(), this.#host.paramsHash()),
      fingerprint: o.fingerprint,
      outputs: outputsProblem,
    });
    node.reason = verdict.run ? verdict.reason : null;
    const remote = this.#host.remote();
    node.key = null;
    if (remote !== null || this.explain) {
      node.key = !verdict.run && verdict.cached.key ? verdict.cached.key : procKey(node, this.root(), this.#host.sourceRoot(), this.#host.paramsHash(), (d) => d.key?.key ?? null);
      // A result cached before keys were made gets its key once, not at every run.
      if (!verdict.run && !verdict.cached.key && !this.dryRun) store?.putCached(node.name, { ...verdict.cached, key: node.key });
    }
    if (!verdict.run) {
      node.cacheSource = 'local';
      return { kind: 'up-to-date', output: verdict.cached.output };
    }
    if (remote?.readable && !this.dryRun && !this.fullRun && !node.full && shareable(node)) return { kind: 'lookup', result: this.#restore(node, remote) };
    return { kind: 'run' };
  }

  /**
   * The no-op fast path, deciding as `decide` does: a proc whose inputs and outputs are plain
   * paths (called only when no dep ran) is up to date when its fingerprints are the cached row's
   * by stats alone (quick-check.ts) and its outputs exist. Anything else, or any difference, is
   * `null`: the full check decides, and says why.
   */
  #unchanged(node: ProcNode, o: Readonly<Options>, base: string): CheckVerdict | null {
    if (this.fullRun || node.full || node.opts.noSkip || this.explain || !plainFiles(node, o)) return null;
    if (this.#host.remote() !== null) return null;
    const row = this.store()?.cachedRow(node.name);
    if (!row) return null;
    try {
      const c = this.#context(node);
      const paths = resolveInputs({ inputs: node.opts.inputs, ignore: node.opts.inputsIgnore, trackImports: false, importRoots: [], base }, c, this.#pass.stat);
      // A directory stood for the files under it: a file added deeper down changes no stat taken
      // here, so the full check decides (and the no-op seal is not written).
      if (paths.length !== node.opts.inputs.length) return null;
      const inputs = unchangedInputs(paths, (p) => displayPath(p, base), o.fingerprint, row.inputs, this.#pass.stat);
      if (inputs === null || row.definition !== definitionHash(node, this.#host.sourceRoot(), this.#host.paramsHash())) return null;
      if (verifyOutputs(resolveOutputs(node.opts.outputs, c, base), this.#pass.stat) !== null) return null;
      const output: unknown = JSON.parse(row.output);
      node.inputs = inputs;
      node.reason = null;
      node.key = null;
      node.cacheSource = 'local';
      this.#quick = true;
      return { kind: 'up-to-date', output };
    } catch {
      return null;
    }
  }

  /**
   * A proc without deps or inputs always runs (SPEC 6): its check reads no cache, so the first
   * proc of a small run starts before the task DB is opened (`warm`, while it runs).
   */
  #alwaysRuns(node: ProcNode, o: Readonly<Options>): CheckVerdict {
    node.inputs = null;
    node.key = null;
    const verdict = this.#decide({
      full: this.fullRun || node.full,
      noSkip: node.opts.noSkip,
      hasStore: o.taskDbPath !== null,
      hasDeps: false,
      hasInputs: false,
      changedDep: null,
      cached: null,
      inputs: null,
      definition: '',
      fingerprint: o.fingerprint,
      outputs: null,
    });
    node.reason = verdict.run ? verdict.reason : null;
    return { kind: 'run' };
  }

  /**
   * A proc's code (or command) is about to start: it may write files at once, so the checks'
   * shared stats end here.
   */
  executionStarting(): void {
    this.#pass.end();
  }

  /** `decide`, noting a proc that runs at every run (for the CLI's no-op seal: noop-seal.ts). */
  #decide(facts: StalenessFacts): Verdict {
    const verdict = decide(facts);
    if (verdict.run && verdict.always) this.ranOneThatAlwaysRuns = true;
    return verdict;
  }

  ranOneThatAlwaysRuns = false;

  /** Opens the task DB now if it is not open yet (called while a proc runs, so the run's record waits less). */
  warm(): void {
    this.store()?.prepare();
  }

  root(): string {
    return this.#host.projectRoot();
  }

  /** Restores `node` from the remote cache and records it as restored; `null` when it must run. */
  async #restore(node: ProcNode, remote: RemoteCache): Promise<{ output: unknown } | null> {
    const key = node.key as ProcKey;
    const startedAt = Date.now();
    const got = await remote.restore(node.name, key.key, this.root());
    if (got === null) return null;
    this.#pass.end(); // its outputs were just written
    if (got.log !== null && got.log.length > 0) this.#host.replayLog(node, got.log);
    const endedAt = Date.now();
    const store = this.store();
    store?.recordRun({ runId: this.runId, name: node.name, startedAt, endedAt, status: 'success', cache: 'remote' });
    store?.putCached(node.name, { output: got.meta.output, at: endedAt, inputs: node.inputs ?? {}, definition: definitionHash(node, this.#host.sourceRoot(), this.#host.paramsHash()), key });
    return { output: got.meta.output };
  }

  /** Whether results go to a remote cache (else `share` is never needed). */
  sharing(): boolean {
    return this.#host.remote()?.writable === true;
  }

  /** After a proc ran and succeeded: its artifact goes to the remote cache (in the background). */
  share(node: ProcNode, outcome: Outcome, durationMs: number): void {
    const remote = this.#host.remote();
    if (!remote?.writable || outcome.state !== 'succeeded' || node.key === null || !shareable(node)) return;
    let outputs: string[];
    try {
      outputs = resolveOutputs(fillSpecs(node.opts.outputs, node), this.#context(node), resolve(node.opts.cwd ?? '.')).map((o) => o.path);
    } catch {
      return;
    }
    remote.upload({
      name: node.name,
      key: node.key.key,
      root: this.root(),
      outputs,
      output: outcome.output,
      logFile: node.logCreated ? node.logFile : null,
      durationMs,
    });
  }

  /** What a proc's inputs are made of, filled out with its args. */
  #inputSpec(node: ProcNode, o: Readonly<Options>, base: string): InputSpec {
    const trackImports = node.opts.trackImports ?? o.trackImports;
    const ignore = node.opts.inputsIgnore.length === 0 && !o.globalInputsIgnore?.length ? node.opts.inputsIgnore : [...node.opts.inputsIgnore, ...(o.globalInputsIgnore ?? [])];
    return { inputs: fillSpecs(node.opts.inputs, node), ignore: fillSpecs(ignore, node), trackImports, importRoots: trackImports ? (o.importRoots ?? [process.cwd()]) : [], base, own: this.#ownPaths(o) };
  }

  /** parproc's own files (files/own-paths.ts), made once per setting. */
  #own: { of: string; paths: string[] } | null = null;
  #ownPaths(o: Readonly<Options>): string[] {
    const of = `${o.logDir}\0${o.taskDbPath}\0${o.traceFile}`;
    if (this.#own?.of !== of) this.#own = { of, paths: ownPaths(o.logDir, o.taskDbPath, o.traceFile) };
    return this.#own.paths;
  }

  /** The input fingerprints to cache after a successful run: its own outputs among them as it left them (own-outputs.ts). */
  #inputsAfterRun(node: ProcNode): InputFingerprints {
    const before = node.inputs ?? {};
    if (node.opts.outputs.length === 0 || node.opts.inputs.length === 0) return before;
    try {
      const o = this.#host.options();
      const base = node.opts.cwd === null ? process.cwd() : resolve(node.opts.cwd);
      const c = this.#context(node);
      const outputs = resolveOutputs(fillSpecs(node.opts.outputs, node), c, base, false).map((s) => s.path);
      return withOwnOutputs(before, this.#inputSpec(node, o, base), outputs, c, o.fingerprint, (p) => displayPath(p, base));
    } catch {
      return before; // inputs that cannot be read again now: as the check took them
    }
  }

  /** `ctx.inputFingerprint` of a checked proc. */
  inputMtimes(node: ProcNode): Record<string, number> | null {
    return node.inputs === null ? null : mtimesOf(node.inputs);
  }

  /** Records an execution: a history row, and on success the cached result. */
  record(node: ProcNode, outcome: Outcome, startedAt: number, endedAt: number): void {
    const store = this.store();
    if (!store) return;
    const status: RunRecord['status'] = outcome.state === 'failed' ? (outcome.error === 'timeout' ? 'timeout' : 'failed') : 'success';
    store.recordRun({ runId: this.runId, name: node.name, startedAt, endedAt, status });
    // Procs with neither deps nor inputs are never skipped: caching them would be wasted work.
    if (outcome.state !== 'failed' && (node.depNames.length > 0 || node.opts.inputs.length > 0)) {
      store.putCached(node.name, { output: outcome.output, at: endedAt, inputs: this.#inputsAfterRun(node), definition: definitionHash(node, this.#host.sourceRoot(), this.#host.paramsHash()), key: node.key });
    }
  }

  /** Verifies declared outputs after success (SPEC 6). */
  verifyOutputs(node: ProcNode): string | null {
    if (node.opts.outputs.length === 0) return null;
    const problem = verifyOutputs(resolveOutputs(fillSpecs(node.opts.outputs, node), this.#context(node), resolve(node.opts.cwd ?? '.')), undefined, true);
    return problem ? describeOutputProblem(problem) : null;
  }

  /** Commits batched writes (at the end of each run), retrying a while if the DB is locked. */
  flush(): Promise<void> {
    return this.#db.flush();
  }

  close(): void {
    this.#db.close();
  }
}
