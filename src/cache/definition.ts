/**
 * What a proc does, as a hash (SPEC 6: an edited command, task file or helper, or other args,
 * reruns it; for a function proc, other params too): compared against the definition of its
 * cached result.
 */
import type { ProcNode } from '../graph/proc-node.ts';
import { sourceHash } from '../remote/keys.ts';

/** Hashes of definition texts, each computed once per process. */
const textHashes = new Map<string, string>();
/** The last function proc's definition hash without args (every such proc of a task file shares it). */
let lastFn: { root: string | null; track: boolean; hash: string } | null = null;

/** What a proc's body is, as text: every function proc of a task file shares one. */
function bodyText(node: ProcNode, sourceRoot: string | null): string {
  switch (node.body.kind) {
    case 'fn':
      return node.opts.trackSource && sourceRoot ? `fn:${sourceHash(sourceRoot)}` : 'fn';
    case 'shell':
      return `sh:${node.body.command}`;
    case 'argv':
      return `argv:${JSON.stringify(node.body.argv)}`;
  }
}

/**
 * A hash of what a proc does: a command's text, or for a function the task file (the CLI's; a
 * script's own entry module otherwise) and the first-party modules it imports (unless
 * `trackSource: false`), and the proc's args — so an edited command, an edited task file or
 * helper, or other args rerun. One source hash for every function proc: cheap (no per-proc
 * work), and conservative (an edit anywhere in the task file's modules reruns its functions).
 * A function proc's also covers the params (`paramsHash`, `''` with none): it may read
 * `ctx.params`. A command's does not: its text, args, `env` and `cwd` are all it gets. Every
 * proc's covers its `env` and `cwd`.
 */
export function definitionHash(node: ProcNode, sourceRoot: string | null, paramsHash = ''): string {
  const own = ownHash(node, sourceRoot) + placeHash(node);
  return paramsHash === '' || node.body.kind !== 'fn' ? own : `${own}${PARAMS}${paramsHash}`;
}

/**
 * A proc's `env` and `cwd`, which change what its commands do (`MODE=dev` → `MODE=prod`), as a
 * suffix; `''` without them (definitions made before they counted stay valid).
 */
function placeHash(node: ProcNode): string {
  const { env, cwd } = node.opts;
  if (env === null && cwd === null) return '';
  const sorted = env === null ? null : Object.keys(env).sort().map((k) => [k, env[k]]);
  return `:e${Bun.hash(JSON.stringify([sorted, cwd])).toString(16)}`;
}

/** Between a function proc's own definition and the hash of the params it ran under. */
const PARAMS = '|p';

/** Whether two definitions differ only in their params (for the reason a proc reruns). */
export function onlyParamsDiffer(a: string, b: string): boolean {
  const own = (d: string) => (d.includes(PARAMS) ? d.slice(0, d.indexOf(PARAMS)) : d);
  return a !== b && own(a) === own(b);
}

/** The definition without the params. */
function ownHash(node: ProcNode, sourceRoot: string | null): string {
  // The common case, asked once per proc: a function proc without args (no text built, no lookup).
  const plainFn = node.body.kind === 'fn' && Object.keys(node.args).length === 0;
  const track = node.opts.trackSource && sourceRoot !== null;
  if (plainFn && lastFn !== null && lastFn.root === sourceRoot && lastFn.track === track) return lastFn.hash;
  const text = bodyText(node, sourceRoot);
  let body = textHashes.get(text);
  if (body === undefined) textHashes.set(text, (body = Bun.hash(text).toString(16)));
  if (plainFn) lastFn = { root: sourceRoot, track, hash: body };
  if (Object.keys(node.args).length === 0) return body;
  let args = '';
  try {
    args = JSON.stringify(node.args);
  } catch {
    args = String(Object.keys(node.args));
  }
  return `${body}:${Bun.hash(args).toString(16)}`;
}
