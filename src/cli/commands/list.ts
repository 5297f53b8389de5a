/** `parproc list [pattern]` (alias `ls`): procs and protos with description, deps, choices. */
import type { ArgsDef } from 'citty';
import pc from '../../ui/colors.ts';
import { existsSync } from 'node:fs';
import { globToRegex } from '../../graph/pattern.ts';
import { formatDuration } from '../../ui/format.ts';
import type { ProcManager } from '../../manager.ts';
import type { DepContext } from '../../types.ts';
import { writeStdout } from '../../util/stdio.ts';
import { defineCommand, PARAM_ARG, paramsOf, parseFlags, TASK_FILE_ARGS } from '../flags.ts';
import { openSession } from '../session.ts';

export const listArgs = {
  ...TASK_FILE_ARGS,
  ...PARAM_ARG,
  pattern: { type: 'positional', required: false, description: 'only names matching this glob (* and ?)' },
  json: { type: 'boolean', description: 'print { procs: [...], protos: [...] } as JSON' },
} satisfies ArgsDef;

export const listCommand = defineCommand({
  meta: { name: 'list', alias: 'ls', description: 'list procs and protos: description, deps, arg choices' },
  args: listArgs,
});

export interface ListJson {
  procs: { name: string; description: string | null; command: string | null; deps: string[]; proto: string | null; wave: number; locks: string[]; lastDurationMs: number | null }[];
  protos: { pattern: string; params: string[]; description: string | null; deps: string[]; argChoices: Record<string, unknown[]> | null }[];
}

function staticChoices(choices: unknown, pattern: string, params: Record<string, unknown>): Record<string, unknown[]> | null {
  if (!choices) return null;
  const c: DepContext = { procName: pattern, params, args: {} };
  try {
    const table = typeof choices === 'function' ? (choices as (c: DepContext) => Record<string, unknown>)(c) : (choices as Record<string, unknown>);
    const out: Record<string, unknown[]> = {};
    for (const [k, v] of Object.entries(table)) {
      const list = typeof v === 'function' ? (v as (c: DepContext) => unknown)(c) : v;
      if (Array.isArray(list)) out[k] = list;
    }
    return out;
  } catch {
    return null; // choices that need real args cannot be listed
  }
}

/** The list as data. */
export function listData(pm: ProcManager, pattern?: string, params: Record<string, unknown> = {}): ListJson {
  const re = pattern ? globToRegex(pattern) : null;
  const keep = (n: string) => re === null || re.test(n);
  // The task DB is only opened when it exists: listing never creates one.
  const dbPath = pm.getOptions().taskDbPath;
  const last = dbPath !== null && existsSync(dbPath) ? (pm.taskStore()?.lastDurations() ?? new Map<string, number>()) : new Map<string, number>();
  return {
    procs: [...pm.getProcs().values()]
      .filter((p) => keep(p.name))
      .map((p) => ({ name: p.name, description: p.description, command: p.command, deps: p.deps, proto: p.proto, wave: p.wave, locks: p.locks, lastDurationMs: last.get(p.name) ?? null })),
    protos: [...pm.getProtos().values()]
      .filter((p) => keep(p.pattern))
      .map((p) => ({
        pattern: p.pattern,
        params: p.params,
        description: p.description,
        deps: p.deps.map((d) => (typeof d === 'string' ? d : typeof d === 'function' ? '<function>' : 'NO_FAILURES')),
        argChoices: staticChoices(p.argChoices, p.pattern, params),
      })),
  };
}

/** One line of the list: the name in its column, then the parts that are there, a space apart. */
function row(name: string, width: number, parts: string[]): string {
  return `  ${name.padEnd(width)}  ${parts.filter((p) => p !== '').join(' ')}`.trimEnd();
}

/** Prints the list for people. */
export function printList(data: ListJson, pattern?: string, write: (text: string) => void = writeStdout): void {
  const lines: string[] = [];
  if (data.procs.length > 0) {
    lines.push(pc.bold('Procs'));
    const width = Math.min(40, Math.max(...data.procs.map((p) => p.name.length)));
    for (const p of data.procs) {
      const parts = [
        p.description ?? '',
        p.command === null ? '' : `${p.description ? ' ' : ''}${pc.dim(`$ ${p.command}`)}`,
        p.lastDurationMs === null ? '' : pc.dim(`(last ${formatDuration(p.lastDurationMs)})`),
        p.deps.length ? pc.dim(`← ${p.deps.join(', ')}`) : '',
      ];
      lines.push(row(p.name, width, parts));
    }
  }
  if (data.protos.length > 0) {
    lines.push(pc.bold('Protos'));
    const width = Math.min(40, Math.max(...data.protos.map((p) => p.pattern.length)));
    for (const p of data.protos) {
      // In parentheses: after a description, `compile one target (target: web|api)` reads as two things.
      const choices = p.argChoices ? pc.dim(`(${Object.entries(p.argChoices).map(([k, v]) => `${k}: ${v.map(String).join('|')}`).join('; ')})`) : '';
      lines.push(row(p.pattern, width, [p.description ?? '', choices, p.deps.length ? pc.dim(`← ${p.deps.join(', ')}`) : '']));
    }
  }
  if (lines.length === 0) lines.push(pattern ? `No procs or protos match "${pattern}".` : 'No procs or protos defined.');
  write(`${lines.join('\n')}\n`);
}

export async function runList(rawArgs: string[]): Promise<number> {
  const args = parseFlags(rawArgs, listArgs, 'list');
  const params = paramsOf(rawArgs);
  const { pm } = await openSession(args, (m) => m.pinParams(params));
  const data = listData(pm, args.pattern, params);
  pm.close();
  if (args.json) writeStdout(`${JSON.stringify(data, null, 2)}\n`);
  else printList(data, args.pattern);
  return 0;
}
