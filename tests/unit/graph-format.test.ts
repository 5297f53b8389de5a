/** `parproc graph`'s Mermaid and DOT text for proc names with characters either syntax gives a meaning. */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { describe, expect, test } from 'bun:test';
import { toDot, toMermaid, type GraphJson } from '../../src/cli/commands/graph.ts';

const names = ['plain', 'say "hi"', 'two\nlines', 'a#quot;b', '<b>&x', 'back\\slash'];
const graph: GraphJson = {
  nodes: names.map((name, wave) => ({ name, deps: wave === 0 ? [] : [names[0] as string], wave, proto: null })),
  edges: names.slice(1).map((to) => ({ from: 'plain', to })),
};

describe('graph output', () => {
  test('Mermaid: one line per node, every special character as an entity code, a line break as <br>', () => {
    const lines = toMermaid(graph).trimEnd().split('\n');
    expect(lines).toHaveLength(1 + names.length + names.length - 1);
    expect(lines.slice(1, 1 + names.length)).toEqual([
      '  n0["plain"]',
      '  n1["say #34;hi#34;"]',
      '  n2["two<br>lines"]',
      '  n3["a#35;quot;b"]',
      '  n4["#60;b#62;#38;x"]',
      '  n5["back\\slash"]',
    ]);
  });

  test('DOT: each name one quoted id that Graphviz reads back as the same node', async () => {
    const dot = toDot(graph);
    expect(dot.trimEnd().split('\n')).toHaveLength(3 + names.length + names.length - 1 + 1);
    const graphviz = await Graphviz.load();
    const json = JSON.parse(graphviz.layout(dot, 'json')) as { objects: { name: string }[]; edges: unknown[] };
    expect(json.objects.map((o) => o.name)).toEqual(['plain', 'say "hi"', 'two\\nlines', 'a#quot;b', '<b>&x', 'back\\\\slash']);
    expect(json.edges).toHaveLength(names.length - 1);
  });
});
