/**
 * Name patterns (SPEC 1): `'deploy::[env]::[region]'`. Pure string logic, no I/O.
 */
import { UserError } from '../errors.ts';
import { shownValue } from '../util/format-values.ts';

const PLACEHOLDER = /\[([^\[\]]+)\]/g;
const HAS_PLACEHOLDER = /\[[^\[\]]+\]/;

/** A compiled proto/rdep pattern. */
export interface Pattern {
  readonly source: string;
  /** Param names in order of appearance. */
  readonly params: readonly string[];
  /** Matches a whole filled-out name; groups are the params in order. */
  readonly regex: RegExp;
}

/** Whether `s` holds `[param]` placeholders. */
export function hasPlaceholders(s: string): boolean {
  return s.includes('[') && HAS_PLACEHOLDER.test(s);
}

/** Whether a (filled-out) name holds glob characters. */
export function hasGlob(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A literal part of a pattern as a regex; with `globs` (rdep patterns), `*` matches any run of
 * characters and `?` one, within a segment (never the separator), as `*` in a target does.
 */
function literalPart(literal: string, sepRe: string, globs: boolean): string {
  const escaped = escapeRegex(literal);
  return globs ? escaped.replaceAll('\\*', `(?:(?!${sepRe}).)*`).replaceAll('\\?', `(?:(?!${sepRe}).)`) : escaped;
}

/**
 * Compiles a pattern, checking that only the separator stands between two placeholders. `globs`:
 * `*` and `?` in its literal parts are wildcards (rdep patterns: `whenTargetScheduled('test::*')`).
 */
export function compilePattern(source: string, separator: string, globs = false): Pattern {
  const params: string[] = [];
  const parts: string[] = [];
  let last = 0;
  let prevEnd = -1;
  const matches = [...source.matchAll(new RegExp(PLACEHOLDER.source, 'g'))];
  const sepRe = escapeRegex(separator);
  matches.forEach((m, i) => {
    const start = m.index;
    const literal = source.slice(last, start);
    if (prevEnd >= 0 && literal !== separator) {
      throw new UserError(
        `Pattern "${source}" must use the configured separator "${separator}" between placeholders`,
        'E_PATTERN',
      );
    }
    const name = m[1] as string;
    if (params.includes(name)) throw new UserError(`Pattern "${source}" uses placeholder "[${name}]" twice`, 'E_PATTERN');
    params.push(name);
    parts.push(literalPart(literal, sepRe, globs));
    // The last placeholder takes the rest (it may contain the separator); others stop at it.
    parts.push(i === matches.length - 1 ? '(.+)' : `((?:(?!${sepRe}).)+)`);
    last = start + m[0].length;
    prevEnd = last;
  });
  parts.push(literalPart(source.slice(last), sepRe, globs));
  return { source, params, regex: new RegExp(`^${parts.join('')}$`, 's') };
}

/** The string values of a pattern's params in `name`, or `null` when it does not match. */
export function matchPattern(p: Pattern, name: string): Record<string, string> | null {
  const m = p.regex.exec(name);
  if (!m) return null;
  const out: Record<string, string> = {};
  p.params.forEach((param, i) => {
    out[param] = m[i + 1] as string;
  });
  return out;
}

/**
 * Fills `[param]` placeholders from `args`. Missing args throw `UserError` naming `context`;
 * with `partial`, unfillable placeholders are left as they are instead.
 */
export function fillPattern(
  source: string,
  args: Record<string, unknown>,
  context: string,
  partial = false,
): string {
  return source.replace(PLACEHOLDER, (whole, name: string) => {
    if (Object.hasOwn(args, name) && args[name] !== undefined) return String(args[name]);
    if (partial) return whole;
    throw new UserError(`${context} requires argument "${name}" to fill "${source}"`, 'E_MISSING_ARG');
  });
}

/** What a function, array or options object given first says of the order: `proc(name, fn)`. */
function orderHint(first: unknown, call: 'proc' | 'proto', what: 'name' | 'pattern'): string {
  if (typeof first === 'function' || Array.isArray(first)) return ` (the ${what} comes first: ${call}(${what}, fn))`;
  if (typeof first === 'object' && first !== null) return ` (the ${what} comes first: ${call}(${what}, options, fn))`;
  return '';
}

/** Checks a proto pattern: a non-empty string. */
export function checkProtoPattern(source: unknown): asserts source is string {
  if (typeof source !== 'string' || source.length === 0) {
    throw new UserError(`A proto pattern must be a non-empty string, got ${shownValue(source)}${orderHint(source, 'proto', 'pattern')}`, 'E_NAME');
  }
}

/** Checks a proc name: non-empty, no placeholders. */
export function checkProcName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new UserError(`A proc name must be a non-empty string, got ${shownValue(name)}${orderHint(name, 'proc', 'name')}`, 'E_NAME');
  }
  if (hasPlaceholders(name)) {
    throw new UserError(`Proc name "${name}" holds [placeholders]: use proto() for patterns`, 'E_NAME');
  }
  return name;
}

/** Converts a `*`/`?` glob to a RegExp matching whole strings. */
export function globToRegex(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's');
}
