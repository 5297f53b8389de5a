/**
 * Reverse dependencies (SPEC 4): which procs must be injected as deps of a proc that becomes
 * wanted. Pure name logic; the scheduler does the linking.
 */
import { UserError } from '../errors.ts';
import type { RdepRule } from '../types.ts';
import { compilePattern, fillPattern, hasPlaceholders, matchPattern, type Pattern } from './pattern.ts';

/** Who declared a rule: a plain proc (by name) or a proto (by pattern). */
export type Declarer = { kind: 'proc'; name: string } | { kind: 'proto'; pattern: Pattern };

export interface TargetRule {
  declarer: Declarer;
  target: Pattern;
  /** `whenTargetScheduled` rules refuse targets that already started. */
  strict: boolean;
}

/** An injection: make `inject` a dep of the target. */
export interface Injection {
  inject: string;
  strict: boolean;
  rule: string;
}

/** Rules that fire when their *target* becomes wanted (plain rdeps and `whenTargetScheduled`). */
export class RdepIndex {
  #rules: TargetRule[] = [];

  get size(): number {
    return this.#rules.length;
  }

  /** Compiles the target-triggered rules of a proc or proto (throws on a bad pattern). */
  static compile(declarer: Declarer, rdeps: readonly (string | RdepRule)[], separator: string): TargetRule[] {
    const out: TargetRule[] = [];
    for (const r of rdeps) {
      if (typeof r === 'string') out.push({ declarer, target: compilePattern(r, separator), strict: false });
      else if (r.kind === 'when-target-scheduled') out.push({ declarer, target: compilePattern(r.pattern, separator), strict: true });
    }
    return out;
  }

  /** Adds compiled rules (once their declarer is registered). */
  register(rules: readonly TargetRule[]): void {
    this.#rules.push(...rules);
  }

  /** The procs to inject as deps of `target`, in rule order (of all rules, or of `only`). */
  injectionsFor(target: string, only?: readonly TargetRule[]): Injection[] {
    const out: Injection[] = [];
    for (const rule of only ?? this.#rules) {
      const values = matchPattern(rule.target, target);
      if (!values) continue;
      const inject = declarerName(rule.declarer, values, rule.target.source);
      if (inject !== target) out.push({ inject, strict: rule.strict, rule: rule.target.source });
    }
    return out;
  }
}

function declarerName(d: Declarer, values: Record<string, string>, rule: string): string {
  if (d.kind === 'proc') return d.name;
  const missing = d.pattern.params.filter((p) => !(p in values));
  if (missing.length > 0) {
    throw new UserError(
      `proto "${d.pattern.source}": rdep "${rule}" does not provide its parameter(s) ${missing.map((m) => `[${m}]`).join(', ')}`,
      'E_RDEP',
    );
  }
  return fillPattern(d.pattern.source, values, `proto "${d.pattern.source}"`);
}

/**
 * The target names of `whenScheduled` rules of a proc that became wanted, filled from its args;
 * rules whose placeholders its args cannot fill are ignored (SPEC 4).
 */
export function whenScheduledTargets(rdeps: readonly (string | RdepRule)[], args: Record<string, unknown>, owner: string): string[] {
  const out: string[] = [];
  for (const r of rdeps) {
    if (typeof r === 'string' || r.kind !== 'when-scheduled') continue;
    const name = fillPattern(r.pattern, args, owner, true);
    if (!hasPlaceholders(name)) out.push(name);
  }
  return out;
}
