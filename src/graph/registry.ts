/**
 * The registry of procs and protos (SPEC 1–2): registration, `create` (proto expansion, args,
 * choices, globs) and dependency resolution at creation. Synchronous and free of I/O; it tells its
 * host about every new proc so the scheduler can link it.
 */
import { closestNames } from '../util/closest.ts';
import { UserError } from '../errors.ts';
import type { ValidProcOptions, ValidProtoOptions } from '../options.ts';
import type { DepContext } from '../types.ts';
import { castArg, expandChoices, resolveChoices } from './args.ts';
import { checkProcName, checkProtoPattern, compilePattern, fillPattern, hasPlaceholders, matchPattern, type Pattern } from './pattern.ts';
import { ProcNode, type ProcBody } from './proc-node.ts';
import type { SiteCapture } from '../runners/site.ts';
import { allStrings } from '../util/lists.ts';

/** A registered proto. */
export interface ProtoDef {
  readonly pattern: Pattern;
  readonly opts: ValidProtoOptions;
  readonly body: ProcBody;
}

/** What the registry needs from its owner. */
export interface RegistryHost {
  separator(): string;
  params(): Record<string, unknown>;
  /** Called for every new proc, after its deps are resolved. */
  procAdded(node: ProcNode): void;
}

/**
 * Normalises a proc body, or throws naming the owner. `site` (a stack captured by the caller) is
 * kept with a function, for the worker and process modes to find its module again.
 */
export function toBody(owner: string, fn: unknown, site: SiteCapture | null = null): ProcBody {
  if (typeof fn === 'function') return { kind: 'fn', fn: fn as ProcBody & { kind: 'fn' } extends { fn: infer F } ? F : never, site };
  if (typeof fn === 'string') {
    if (fn.trim() === '') throw new UserError(`${owner}: the command string is empty`, 'E_BODY');
    return { kind: 'shell', command: fn };
  }
  if (Array.isArray(fn) && fn.length > 0 && allStrings(fn)) return { kind: 'argv', argv: fn };
  throw new UserError(
    `${owner}: the body must be a function, a command string or a non-empty argv array of strings, got ${describe(fn)}`,
    'E_BODY',
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return x.length === 0 ? 'an empty array' : 'an array with non-string items';
  return typeof x;
}

export class Registry {
  readonly procs = new Map<string, ProcNode>();
  readonly protos = new Map<string, ProtoDef>();
  #host: RegistryHost;
  /** Nodes whose deps still need resolving; drained by the outermost call (no deep recursion). */
  #toResolve: ProcNode[] = [];
  #draining = false;

  constructor(host: RegistryHost) {
    this.#host = host;
  }

  /** The separator between pattern segments. */
  separator(): string {
    return this.#host.separator();
  }

  /** Names of the procs made from the proto with pattern `source`. */
  createdFrom(source: string): string[] {
    const out: string[] = [];
    for (const n of this.procs.values()) if (n.proto === source) out.push(n.name);
    return out;
  }

  /** Registers a plain proc. */
  addProc(name: string, opts: ValidProcOptions, body: ProcBody): ProcNode {
    checkProcName(name);
    if (this.procs.has(name)) throw new UserError(`Proc "${name}" already created`, 'E_DUPLICATE');
    const node = this.#newNode(name, opts, body, {}, null);
    this.#drain();
    return node;
  }

  /** Registers a proto. */
  addProto(source: string, opts: ValidProtoOptions, body: ProcBody): ProtoDef {
    checkProtoPattern(source);
    if (this.protos.has(source)) throw new UserError(`Proto "${source}" already created`, 'E_DUPLICATE');
    const pattern = compilePattern(source, this.#host.separator());
    if (opts.argChoices !== null && typeof opts.argChoices === 'object') {
      for (const key of Object.keys(opts.argChoices)) {
        if (!pattern.params.includes(key)) {
          throw new UserError(`proto "${source}": argChoices key "${key}" is not a parameter of the pattern (${pattern.params.map((p) => `[${p}]`).join(', ') || 'none'})`, 'E_ARG_CHOICES');
        }
      }
    }
    for (const key of Object.keys(opts.argTypes)) {
      if (!pattern.params.includes(key)) {
        throw new UserError(`proto "${source}": argTypes key "${key}" is not a parameter of the pattern`, 'E_ARG_TYPE');
      }
    }
    const def: ProtoDef = { pattern, opts, body };
    this.protos.set(source, def);
    return def;
  }

  /**
   * The proto a filled-out name belongs to, with the raw values taken from the name; a name equal
   * to a proto's own pattern gives that proto with no values (defaults fill it).
   */
  findProto(name: string): { proto: ProtoDef; values: Record<string, string> | null } | null {
    const exact = this.protos.get(name);
    if (exact && exact.pattern.params.length > 0) return { proto: exact, values: null };
    let found: { proto: ProtoDef; values: Record<string, string> } | null = null;
    for (const proto of this.protos.values()) {
      const values = matchPattern(proto.pattern, name);
      if (!values) continue;
      if (found) {
        throw new UserError(`Name "${name}" matches multiple protos: "${found.proto.pattern.source}" and "${proto.pattern.source}"`, 'E_AMBIGUOUS');
      }
      found = { proto, values };
    }
    return found;
  }

  /**
   * API.md `create`: a filled-out name (optionally named `procName`), a pattern with `args`, or a
   * glob over argChoices. Idempotent for existing procs.
   */
  create(nameOrPattern: string, procNameOrArgs?: string | Record<string, unknown>): string[] {
    if (typeof nameOrPattern !== 'string' || nameOrPattern === '') {
      throw new UserError(`create: expected a name or pattern, got ${JSON.stringify(nameOrPattern)}`, 'E_NAME');
    }
    let names: string[];
    if (typeof procNameOrArgs === 'object' && procNameOrArgs !== null) {
      // Values not given come from the defaults of the proto with exactly this pattern.
      const defaults = this.protos.get(nameOrPattern)?.opts.args ?? {};
      const filled = fillPattern(nameOrPattern, { ...defaults, ...procNameOrArgs }, `create("${nameOrPattern}")`);
      names = this.#createFromName(filled, undefined, procNameOrArgs);
    } else if (procNameOrArgs === undefined || typeof procNameOrArgs === 'string') {
      names = this.#createFromName(nameOrPattern, procNameOrArgs);
    } else {
      throw new UserError(`create("${nameOrPattern}"): the second argument must be a proc name or an args object`, 'E_ARGS');
    }
    this.#drain();
    return names;
  }

  /**
   * The proc called `name`, created from a proto when one matches; `undefined` when neither
   * exists (yet). Used when a dep is linked.
   */
  lookup(name: string): ProcNode | undefined {
    const existing = this.procs.get(name);
    if (existing) return existing;
    if (hasPlaceholders(name) || this.protos.size === 0) return undefined;
    if (!this.findProto(name)) return undefined;
    const [first] = this.create(name);
    return first === undefined ? undefined : this.procs.get(first);
  }

  #createFromName(name: string, procName?: string, explicitArgs?: Record<string, unknown>): string[] {
    const existing = procName === undefined ? this.procs.get(name) : undefined;
    if (existing) return [existing.name];
    const match = this.findProto(name);
    if (!match && procName !== undefined && this.procs.has(name)) {
      throw new UserError(`create("${name}", "${procName}"): "${name}" is a proc, not a proto's name; only a proto's procs can be made under a name of their own`, 'E_ARGS');
    }
    if (!match) {
      const hint = closestNames(name, this.procs.keys());
      throw new UserError(`No proto found matching "${name}"${hint.length ? ` (nor a proc: did you mean ${hint.join(', ')}?)` : ''}`, 'E_NO_PROTO');
    }
    const { proto } = match;
    const owner = `proto "${proto.pattern.source}"`;
    const defaults = proto.opts.args;
    let raw: Record<string, string>;
    if (match.values === null) {
      // The pattern itself: every param must come from the defaults.
      raw = {};
      for (const p of proto.pattern.params) {
        if (defaults[p] === undefined) {
          throw new UserError(`create("${name}") requires argument "${p}"`, 'E_MISSING_ARG');
        }
        raw[p] = String(defaults[p]);
      }
    } else {
      raw = match.values;
    }
    const c: DepContext = { procName: name, params: this.#host.params(), args: { ...defaults, ...raw } };
    const choices = resolveChoices(owner, proto.opts.argChoices, c);
    const combos = expandChoices(owner, proto.pattern.params, raw, choices);
    if (procName !== undefined && combos.length > 1) {
      throw new UserError(`create("${name}", "${procName}"): a procName names one proc, but "${name}" makes ${combos.length}`, 'E_ARGS');
    }
    const out: string[] = [];
    for (const combo of combos) {
      const args: Record<string, unknown> = { ...defaults };
      for (const [param, value] of Object.entries(combo)) {
        const type = proto.opts.argTypes[param];
        args[param] = typeof value === 'string' && type !== undefined ? castArg(owner, param, value, type) : value;
      }
      // Values given as args are cast like values taken from a name.
      for (const [param, value] of Object.entries(explicitArgs ?? {})) {
        const type = proto.opts.argTypes[param];
        args[param] = typeof value === 'string' && type !== undefined ? castArg(owner, param, value, type) : value;
      }
      const filled = fillPattern(proto.pattern.source, Object.fromEntries(Object.entries(combo).map(([k, v]) => [k, String(v)])), owner);
      const procNameHere = combos.length === 1 && procName ? procName : filled;
      const prior = this.procs.get(procNameHere);
      if (prior) {
        // Under its own name, a proc must be this one again (idempotent), not another that has the name.
        if (procNameHere !== filled && (prior.proto !== proto.pattern.source || !sameArgs(prior.args, args))) {
          throw new UserError(`create("${name}", "${procName}"): proc "${procName}" already exists, ${prior.proto === null ? 'a proc of its own' : `made as ${fillPattern(prior.proto, stringArgs(prior.args), owner, true)}`}`, 'E_DUPLICATE');
        }
        out.push(prior.name);
        continue;
      }
      this.#newNode(procNameHere, proto.opts, proto.body, args, proto.pattern.source);
      out.push(procNameHere);
    }
    return out;
  }

  #newNode(name: string, opts: ValidProcOptions, body: ProcBody, args: Record<string, unknown>, proto: string | null): ProcNode {
    const node = new ProcNode({ name, body, opts, args, proto, depNames: [], noFailures: false });
    this.procs.set(name, node);
    this.#toResolve.push(node);
    return node;
  }

  /** Resolves deps of queued nodes, iteratively; announces each node once resolved. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#toResolve.length; i++) {
        const node = this.#toResolve[i] as ProcNode;
        this.#resolveDeps(node);
      }
      const done = this.#toResolve;
      this.#toResolve = [];
      for (const node of done) this.#host.procAdded(node);
    } finally {
      this.#toResolve = [];
      this.#draining = false;
    }
  }

  #resolveDeps(node: ProcNode): void {
    if (node.opts.deps.length === 0) return; // most procs: no owner text or context made
    const owner = `proc "${node.name}"`;
    const c: DepContext = { procName: node.name, params: this.#host.params(), args: node.args };
    const names = node.depNames;
    for (const spec of node.opts.deps) {
      if (typeof spec === 'object') {
        (node as { noFailures: boolean }).noFailures = true;
        continue;
      }
      if (typeof spec === 'function') {
        let got: unknown;
        try {
          got = spec(c);
        } catch (err) {
          throw new UserError(`${owner}: a dep function threw: ${err instanceof Error ? err.message : String(err)}`, 'E_DEP_FN');
        }
        const list = typeof got === 'string' ? [got] : got;
        if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) {
          throw new UserError(`${owner}: a dep function must return a proc name or an array of names, got ${JSON.stringify(got)}`, 'E_DEP_FN');
        }
        for (const s of list) names.push(...this.#resolveDepString(owner, s, node.args));
        continue;
      }
      names.push(...this.#resolveDepString(owner, spec, node.args));
    }
  }

  #resolveDepString(owner: string, spec: string, args: Record<string, unknown>): string[] {
    let s = spec;
    if (hasPlaceholders(s)) {
      s = fillPattern(s, args, owner, true);
      if (hasPlaceholders(s)) {
        // Still a pattern: only a proto with exactly this pattern and default args can fill it.
        const proto = this.protos.get(s);
        if (proto) {
          // Say whose dep it is when neither the proto's defaults nor this proc's args fill it.
          const missing = proto.pattern.params.find((p) => proto.opts.args[p] === undefined);
          if (missing !== undefined) {
            throw new UserError(`${owner}: dep "${spec}" needs argument "${missing}", which ${owner} does not have (name one proc, or a glob such as ${s.replace(`[${missing}]`, '*')})`, 'E_MISSING_ARG');
          }
          return this.#createFromName(s);
        }
        fillPattern(s, args, owner); // throws "requires argument"
      }
    }
    if (this.procs.has(s)) return [s];
    if (this.protos.size > 0 && this.findProto(s)) return this.#createFromName(s);
    return [s];
  }
}

/** Args as a name shows them. */
const stringArgs = (args: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(args).map(([k, v]) => [k, String(v)]));

/** Whether two procs' args are the same values. */
function sameArgs(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.is(a[k], b[k]) && JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}
