/** The final summary line: counts by outcome and wall time. */
import pc from 'picocolors';
import type { ProcState } from '../types.ts';
import { formatDuration } from './format.ts';

const ORDER: [ProcState, string, (s: string) => string][] = [
  ['succeeded', 'succeeded', pc.green],
  ['up-to-date', 'up to date', pc.dim],
  ['skipped', 'skipped', pc.yellow],
  ['failed', 'failed', pc.red],
  ['failed-dep', 'canceled', pc.red],
];

/** Counts end states of one run. */
export class Tally {
  #counts = new Map<ProcState, number>();

  add(state: ProcState): void {
    this.#counts.set(state, (this.#counts.get(state) ?? 0) + 1);
  }

  reset(): void {
    this.#counts.clear();
  }

  /** `Done in 1.2s: 3 succeeded, 2 up to date` or `Failed in …: 1 failed, 2 canceled, 3 succeeded`. */
  line(ok: boolean, durationMs: number): string {
    const parts = ORDER.filter(([s]) => this.#counts.get(s)).map(([s, label, paint]) => paint(`${this.#counts.get(s)} ${label}`));
    const head = ok ? pc.green(`Done in ${formatDuration(durationMs)}`) : pc.red(`Failed in ${formatDuration(durationMs)}`);
    return parts.length ? `${head}: ${parts.join(', ')}` : head;
  }
}
