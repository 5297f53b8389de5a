/**
 * valibot's issues as parproc's option errors: one `UserError` naming the proc (or `setOptions`),
 * the option at fault by its path (`inputs[1]`, `remoteCache.url`) and what it should be, with the
 * closest option when the name is unknown. Never a secret's value.
 */
import type * as V from 'valibot';
import { UserError } from './errors.ts';
import { closestNames } from './util/closest.ts';

/**
 * The issue to report and its whole path: a union whose value went into one of its branches (an
 * array given where an array or a function is expected) reports that branch's issue, at the item
 * at fault (`inputs[0]`), not "expected an array …, got Array".
 */
function innermost(issue: V.BaseIssue<unknown>): { issue: V.BaseIssue<unknown>; path: string[] } {
  let at = issue;
  const path = issue.path?.map((p) => String(p.key)) ?? [];
  for (;;) {
    let deeper: V.BaseIssue<unknown> | undefined;
    for (const i of at.type === 'union' ? (at.issues ?? []) : []) if ((i.path?.length ?? 0) > (deeper?.path?.length ?? 0)) deeper = i;
    if (deeper === undefined) return { issue: at, path };
    for (const p of deeper.path ?? []) path.push(String(p.key));
    at = deeper;
  }
}

/** The keys a strict object schema takes at `path` (through optional and nullable wrappers). */
function keysAt(schema: unknown, path: readonly string[]): string[] {
  let at = schema as { entries?: Record<string, unknown>; wrapped?: unknown } | undefined;
  for (const k of path) {
    while (at?.wrapped !== undefined) at = at.wrapped as typeof at;
    at = at?.entries?.[k] as typeof at;
  }
  while (at?.wrapped !== undefined) at = at.wrapped as typeof at;
  return Object.keys(at?.entries ?? {});
}

function describeIssue(outer: V.BaseIssue<unknown>, schema: unknown): { key: string; message: string } {
  const { issue, path } = innermost(outer);
  const key = path[0] ?? '?';
  const rest = path.slice(1).map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join('');
  let message = issue.message;
  // Secrets are never echoed back, not even a wrong value.
  if (path.some((k) => k === 'token' || k === 'signatureKey')) return { key: `${key}${path.slice(1).map((k) => `.${k}`).join('')}`, message: 'expected a string' };
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const hint = closestNames(path.at(-1) ?? key, keysAt(schema, path.slice(0, -1)));
    const name = path.length > 1 ? `${key}${rest}` : key;
    return { key: name, message: `is not an option${hint.length > 0 ? ` (did you mean ${hint.join(', ')}?)` : ''}` };
  }
  if (message.startsWith('Invalid type: Expected ')) {
    message = `expected ${issue.expected}, got ${issue.received}`;
  } else if (!/received|got/.test(message)) {
    // A length check receives the length: the value itself says more (`got ""`, not `got 0`).
    message = `${message}, got ${issue.type === 'min_length' && typeof issue.input === 'string' ? JSON.stringify(issue.input) : issue.received}`;
  }
  // One value where a list of them goes (`deps: 'build'`, `deps: (c) => …`): say how to write it.
  const one = issue.input;
  if (issue.message.startsWith('expected an array') && path.length === 1 && (typeof one === 'string' || typeof one === 'function' || one instanceof RegExp)) {
    message += ` (a list: ${key}: [${typeof one === 'function' ? 'fn' : one instanceof RegExp ? String(one) : JSON.stringify(one)}])`;
  }
  return { key: `${key}${rest}`, message };
}

/** Throws one `UserError` for the first issue, naming `owner` and the option; `schema` the one that found it. */
export function failOn(owner: string, issues: readonly V.BaseIssue<unknown>[], schema: unknown): never {
  const first = issues[0];
  if (!first) throw new UserError(`${owner}: invalid options`, 'E_OPTION');
  const { key, message } = describeIssue(first, schema);
  throw new UserError(`${owner}: option "${key}" ${message}`, 'E_OPTION');
}
