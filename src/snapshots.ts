/** Plain snapshots of procs and protos for `getProcs()` / `getProtos()`. */
import { commandText } from './runners/inline.ts';
import type { ProcNode } from './graph/proc-node.ts';
import type { ProtoDef } from './graph/registry.ts';
import type { ProcInfo, ProtoInfo } from './types.ts';

export function procInfo(n: ProcNode): ProcInfo {
  return {
    name: n.name,
    state: n.state,
    error: n.error,
    moreInfo: n.moreInfo,
    output: n.output,
    logFile: n.logCreated ? n.logFile : null,
    command: commandText(n.body, n.args, n.name),
    startedAt: n.startedAt,
    endedAt: n.endedAt,
    deps: [...n.depNames],
    wave: n.wave,
    locks: [...n.opts.locks],
    args: { ...n.args },
    proto: n.proto,
    generation: n.generation,
    completedGeneration: n.completedGeneration,
    description: n.opts.description,
    cache: n.state === 'up-to-date' ? n.cacheSource : null,
    cacheKey: n.key?.key ?? null,
  };
}

export function protoInfo(p: ProtoDef): ProtoInfo {
  return {
    pattern: p.pattern.source,
    params: [...p.pattern.params],
    deps: [...p.opts.deps],
    argChoices: p.opts.argChoices,
    description: p.opts.description,
  };
}
