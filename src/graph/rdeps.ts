/**
 * Reverse dependencies (SPEC 4): which procs must be injected as deps of a proc that becomes
 * wanted. Pure name logic; the scheduler does the linking.
 */
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
      if (typeof r === 'string') out.push({ declarer, target: compilePattern(r, separator, true), strict: false });
      else if (r.kind === 'when-target-scheduled') out.push({ declarer, target: compilePattern(r.pattern, separator, true), strict: true });
    }
    return out;
  }

  /** Adds compiled rules (once their declarer is registered). */
  register(rules: readonly TargetRule[]): void {
    this.#rules.push(...rules);
  }

  /**
   * The procs to inject as deps of `target`, in rule order (of all rules, or of `only`).
   * `createdFrom(pattern)` names the procs already made from a proto.
   */
  injectionsFor(target: string, createdFrom: (pattern: string) => string[], only?: readonly TargetRule[]): Injection[] {
    const out: Injection[] = [];
    for (const rule of only ?? this.#rules) {
      const values = matchPattern(rule.target, target);
      if (!values) continue;
      for (const inject of declarerNames(rule.declarer, values, createdFrom)) {
        if (inject !== target) out.push({ inject, strict: rule.strict, rule: rule.target.source });
      }
    }
    return out;
  }
}

/**
 * Who to inject for a matched rule: a plain declarer; a proto declarer filled from the values the
 * rule extracted — or, when they do not provide all of its params, no new proc (silently, as the
 * original), only the procs already created from it (each carries the rdep as a proc).
 */
function declarerNames(d: Declarer, values: Record<string, string>, createdFrom: (pattern: string) => string[]): string[] {
  if (d.kind === 'proc') return [d.name];
  if (d.pattern.params.some((p) => !(p in values))) return createdFrom(d.pattern.source);
  return [fillPattern(d.pattern.source, values, `proto "${d.pattern.source}"`)];
}

/**
 * The `whenScheduled` patterns of a proc that its args cannot fill: they apply to targets that
 * become wanted later, while the proc is wanted or running (SPEC 4).
 */
export function whenScheduledOpen(rdeps: readonly (string | RdepRule)[], args: Record<string, unknown>, owner: string, separator: string): Pattern[] {
  const out: Pattern[] = [];
  for (const r of rdeps) {
    if (typeof r === 'string' || r.kind !== 'when-scheduled') continue;
    const name = fillPattern(r.pattern, args, owner, true);
    if (hasPlaceholders(name)) out.push(compilePattern(name, separator, true));
  }
  return out;
}

/** The `whenTargetScheduled` target patterns of a proc (to check targets that already ran). */
export function whenTargetScheduledPatterns(rdeps: readonly (string | RdepRule)[], separator: string): Pattern[] {
  const out: Pattern[] = [];
  for (const r of rdeps) if (typeof r !== 'string' && r.kind === 'when-target-scheduled') out.push(compilePattern(r.pattern, separator, true));
  return out;
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
