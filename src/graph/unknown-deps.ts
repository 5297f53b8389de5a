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

/** Literal deps that name no proc and match no proto, with the closest names. */
export function unknownDeps(registry: Registry): UnknownDep[] {
  const out: UnknownDep[] = [];
  let names: string[] | null = null;
  for (const n of registry.procs.values()) {
    for (const dep of n.depNames) {
      if (registry.procs.has(dep) || hasPlaceholders(dep) || registry.findProto(dep)) continue;
      // `build` for `build::[env]`: a proto named without its args.
      const prefix = dep + registry.separator();
      const protos = [...registry.protos.keys()].filter((p) => p.startsWith(prefix));
      out.push({ proc: n.name, dep, hint: [...protos, ...closestNames(dep, (names ??= [...registry.procs.keys()]))] });
    }
  }
  return out;
}
