/**
 * Proto args (SPEC 2): casting values taken from names, checking and glob-expanding choices.
 * Pure; throws `UserError` naming the proto and param.
 */
import { UserError } from '../errors.ts';
import type { ValidProtoOptions } from '../options.ts';
import type { ArgType, DepContext } from '../types.ts';
import { isStandardSchema } from '../util/standard-schema.ts';
import { globToRegex, hasGlob } from './pattern.ts';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Casts one raw string by its arg type. */
export function castArg(owner: string, param: string, raw: string, type: ArgType): unknown {
  const bad = (why: string): never => {
    throw new UserError(`${owner}: argument "${param}" = ${JSON.stringify(raw)} ${why}`, 'E_ARG_TYPE');
  };
  if (typeof type === 'function') {
    try {
      return type(raw);
    } catch (err) {
      return bad(`was rejected by its argTypes function: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (isStandardSchema(type)) {
    const r = type['~standard'].validate(raw);
    if (r instanceof Promise) return bad('needs an async schema, which argTypes does not support');
    if (r.issues) return bad(`does not fit its schema: ${r.issues.map((i) => i.message).join('; ')}`);
    return r.value;
  }
  switch (type) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      return raw.trim() === '' || !Number.isFinite(n) ? bad('is not a number') : n;
    }
    case 'integer': {
      const n = Number(raw);
      return /^\s*[-+]?\d+\s*$/.test(raw) && Number.isSafeInteger(n) ? n : bad('is not an integer');
    }
    case 'boolean': {
      const s = raw.trim().toLowerCase();
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
      return bad('is not a boolean (true/false, 1/0, yes/no, on/off)');
    }
    default:
      return bad('has an unknown arg type');
  }
}

/** The choices of each param (functions called with `c`), or `null` when there are none. */
export function resolveChoices(
  owner: string,
  argChoices: ValidProtoOptions['argChoices'],
  c: DepContext,
): Record<string, readonly unknown[]> | null {
  if (argChoices === null) return null;
  const call = <T>(f: (c: DepContext) => T, what: string): T => {
    try {
      return f(c);
    } catch (err) {
      throw new UserError(`${owner}: argChoices${what} threw: ${err instanceof Error ? err.message : String(err)}`, 'E_ARG_CHOICES');
    }
  };
  const table = typeof argChoices === 'function' ? call(argChoices, '') : argChoices;
  if (typeof table !== 'object' || table === null) {
    throw new UserError(`${owner}: argChoices function must return an object of arrays`, 'E_ARG_CHOICES');
  }
  const out: Record<string, readonly unknown[]> = {};
  for (const [param, list] of Object.entries(table)) {
    const values = typeof list === 'function' ? call(list as (c: DepContext) => readonly unknown[], `["${param}"]`) : list;
    if (!Array.isArray(values)) {
      throw new UserError(`${owner}: argChoices["${param}"] must be an array of values`, 'E_ARG_CHOICES');
    }
    out[param] = values;
  }
  return out;
}

/**
 * Expands `*`/`?` globs in raw values against the choices and checks literal values: returns one
 * value map per combination (cartesian product, first param outermost, in choice order). Values
 * that matched a choice are that choice's value; others stay raw strings.
 */
export function expandChoices(
  owner: string,
  params: readonly string[],
  raw: Record<string, string>,
  choices: Record<string, readonly unknown[]> | null,
): Record<string, unknown>[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const param of params) {
    const value = raw[param] as string;
    const list = choices?.[param];
    let options: unknown[];
    if (hasGlob(value)) {
      if (!list) {
        throw new UserError(`${owner}: "${value}" is a glob, but argument "${param}" has no argChoices to expand it against`, 'E_GLOB');
      }
      const re = globToRegex(value);
      options = list.filter((x) => re.test(String(x)));
      if (options.length === 0) {
        throw new UserError(`${owner}: glob "${value}" for argument "${param}" matches none of its choices (${list.map(String).join(', ')})`, 'E_GLOB');
      }
    } else if (list) {
      const hit = list.find((x) => String(x) === value);
      if (hit === undefined) {
        throw new UserError(`${owner}: "${value}" for argument "${param}" is not in allowed choices: "${param}" must be one of ${list.map(String).join(', ')}`, 'E_CHOICE');
      }
      options = [hit];
    } else {
      options = [value];
    }
    const next: Record<string, unknown>[] = [];
    for (const combo of combos) for (const o of options) next.push({ ...combo, [param]: o });
    combos = next;
  }
  return combos;
}
