/** Deps that name nothing: typos such as `deps: ['biuld']`, found once the whole task file has loaded. */
import { closestNames } from '../util/closest.ts';
import { hasPlaceholders } from './pattern.ts';
import type { Registry } from './registry.ts';

export interface UnknownDep {
  proc: string;
  dep: string;
  /** Protos it names without their args, then the closest proc names. */
  hint: string[];
}

/** What a suggestion needs to know of a proto. */
interface ProtoShape {
  readonly pattern: string;
  readonly params: readonly string[];
  readonly argChoices: unknown;
}

/**
 * Protos `name` names without their args (`build`, or `build::`, for `build::[env]`): as a glob
 * over their choices (`build::*`) when every param has a list of them, else as the pattern.
 */
export function protosNamedWithoutArgs(name: string, protos: Iterable<ProtoShape>, separator: string): string[] {
  const prefix = name.endsWith(separator) ? name : name + separator;
  const out: string[] = [];
  for (const p of protos) if (p.pattern.startsWith(prefix)) out.push(protoGlob(p) ?? p.pattern);
  return out;
}

/** The glob over a proto's procs (`build::*`) when every param has choices, else `null`. */
export function protoGlob(p: ProtoShape): string | null {
  const choices = p.argChoices as Record<string, unknown> | ((...a: never[]) => unknown) | null;
  const all = choices !== null && (typeof choices === 'function' || p.params.every((k) => k in choices));
  return all ? p.pattern.replace(/\[\w+\]/g, '*') : null;
}

/** Literal deps that name no proc and match no proto, with the closest names. */
export function unknownDeps(registry: Registry): UnknownDep[] {
  const out: UnknownDep[] = [];
  let names: string[] | null = null;
  for (const n of registry.procs.values()) {
    for (const dep of n.depNames) {
      if (registry.procs.has(dep) || hasPlaceholders(dep) || registry.findProto(dep)) continue;
      const protos = [...registry.protos.values()].map((p) => ({ pattern: p.pattern.source, params: p.pattern.params, argChoices: p.opts.argChoices }));
      const named = protosNamedWithoutArgs(dep, protos, registry.separator());
      out.push({ proc: n.name, dep, hint: [...named, ...closestNames(dep, (names ??= [...registry.procs.keys()]))] });
    }
  }
  return out;
}
