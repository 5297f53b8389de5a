/** Proc names to nodes for the API (`start`, `wait`, `ctx.wait`): unknown names get the closest ones. */
import { UserError } from '../errors.ts';
import { closestNames } from '../util/closest.ts';
import { hasPlaceholders } from './pattern.ts';
import type { ProcNode } from './proc-node.ts';
import type { Registry } from './registry.ts';

/**
 * The procs `names` refer to; with `create`, a filled-out proto name makes its proc. Anything
 * else is a `UserError` naming `fn` and the closest proc names.
 */
export function procsNamed(registry: Registry, names: readonly string[], fn: string, create: boolean): ProcNode[] {
  const out: ProcNode[] = [];
  for (const name of names) {
    if (typeof name !== 'string') throw new UserError(`${fn}: expected proc names, got ${typeof name}`, 'E_ARGS');
    const node = registry.procs.get(name);
    if (node) {
      out.push(node);
      continue;
    }
    if (create && !hasPlaceholders(name) && registry.findProto(name)) {
      for (const n of registry.create(name)) out.push(registry.procs.get(n) as ProcNode);
      continue;
    }
    const hint = closestNames(name, [...registry.procs.keys()]);
    throw new UserError(`${fn}: unknown proc "${name}"${hint.length ? ` (did you mean ${hint.join(', ')}?)` : ''}`, 'E_UNKNOWN_PROC');
  }
  return out;
}
