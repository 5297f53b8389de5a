/** `parproc graph [targets] --format mermaid|dot|json`: the graph the targets would run. */
import type { ArgsDef } from 'citty';
import type { ProcManager } from '../../manager.ts';
import { writeStdout } from '../../util/stdio.ts';
import { CliError } from '../errors.ts';
import { defineCommand, PARAM_ARG, paramsOf, parseFlags, TASK_FILE_ARGS } from '../flags.ts';
import { defaultTargets, openSession, resolveTargets } from '../session.ts';

export const graphArgs = {
  ...TASK_FILE_ARGS,
  ...PARAM_ARG,
  format: { type: 'string', default: 'mermaid', description: 'mermaid, dot or json', valueHint: 'mermaid|dot|json' },
} satisfies ArgsDef;

export const graphCommand = defineCommand({
  meta: { name: 'graph', description: 'print the graph the targets would run (Mermaid, Graphviz dot or JSON)' },
  args: graphArgs,
});

export interface GraphJson {
  nodes: { name: string; deps: string[]; wave: number; proto: string | null }[];
  edges: { from: string; to: string }[];
}

/** The wanted part of the graph after starting `targets` in a held manager. */
export function graphData(pm: ProcManager): GraphJson {
  const nodes = [...pm.getProcs().values()].filter((p) => p.state !== 'idle');
  return {
    nodes: nodes.map((p) => ({ name: p.name, deps: pm.linkedDeps(p.name), wave: p.wave, proto: p.proto })),
    edges: nodes.flatMap((p) => pm.linkedDeps(p.name).map((d) => ({ from: d, to: p.name }))),
  };
}

/** A name as a quoted DOT id; a line break in it is Graphviz's `\\n` (one node line per proc). */
const dotId = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r\n?|\n/g, '\\n')}"`;

export function toDot(g: GraphJson): string {
  const lines = ['digraph parproc {', '  rankdir=LR;', '  node [shape=box];'];
  for (const n of g.nodes) lines.push(`  ${dotId(n.name)};`);
  for (const e of g.edges) lines.push(`  ${dotId(e.from)} -> ${dotId(e.to)};`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function toMermaid(g: GraphJson): string {
  const ids = new Map(g.nodes.map((n, i) => [n.name, `n${i}`]));
  // Mermaid's entity codes for what its syntax or HTML labels would take (`#` first: a name may
  // hold `#quot;`); a line break is `<br>`, so each node stays on its line.
  const label = (s: string) => `"${s.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r\n?|\n/g, '<br>')}"`;
  const lines = ['graph TD'];
  for (const n of g.nodes) lines.push(`  ${ids.get(n.name)}[${label(n.name)}]`);
  for (const e of g.edges) lines.push(`  ${ids.get(e.from)} --> ${ids.get(e.to)}`);
  return `${lines.join('\n')}\n`;
}

export async function runGraph(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, graphArgs, 'graph');
  const format = args.format ?? 'mermaid';
  if (!['mermaid', 'dot', 'json'].includes(format)) throw new CliError(`graph: --format must be mermaid, dot or json, got "${format}"`);
  const params = paramsOf(rawArgs);
  const { pm } = await openSession(args, (m) => m.pinParams(params));
  const targets = args._.length > 0 ? resolveTargets(pm, args._) : (defaultTargets(pm) ?? [...pm.getProcs().keys()]);
  pm.start(targets);
  const g = graphData(pm);
  writeStdout(format === 'json' ? `${JSON.stringify(g, null, 2)}\n` : format === 'dot' ? toDot(g) : toMermaid(g));
  return 0;
}
