/** The final summary: counts by outcome, wall time, and every failed proc with its log path. */
import pc from './colors.ts';
import type { ProcStateEvent } from '../events.ts';
import type { ProcState } from '../types.ts';
import { formatDuration } from './format.ts';
import { unstarted } from './unstarted.ts';

type Outcome = ProcState | 'restored' | 'interrupted';

const ORDER: [Outcome, string, (s: string) => string][] = [
  ['succeeded', 'succeeded', pc.green],
  ['up-to-date', 'up to date', pc.dim],
  ['restored', 'restored from remote cache', pc.cyan],
  ['skipped', 'skipped', pc.yellow],
  ['failed', 'failed', pc.red],
  ['failed-dep', 'canceled', pc.red],
  // Stopped by Ctrl+C (or a run's interrupt), running or not yet started: not failures of their own.
  ['interrupted', 'interrupted', pc.yellow],
];

/** Counts end states of one run. */
export class Tally {
  #counts = new Map<Outcome, number>();
  #failed: { name: string; logFile: string | null }[] = [];

  add(e: Pick<ProcStateEvent, 'state' | 'name' | 'logFile' | 'cache' | 'error' | 'durationMs'>): void {
    const key: Outcome = e.cache === 'remote' ? 'restored' : e.state === 'failed' && e.error === 'interrupted' ? 'interrupted' : e.state;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    // Procs interrupted before they started are counted, not listed (there may be thousands).
    if (e.state === 'failed' && !unstarted(e)) this.#failed.push({ name: e.name, logFile: e.logFile });
  }

  reset(): void {
    this.#counts.clear();
    this.#failed = [];
  }

  /** `Done in 1.2s: 3 succeeded, 2 up to date` or `Failed in …: 3 succeeded, 1 failed, 2 canceled`. */
  line(ok: boolean, durationMs: number, criticalPath: { name: string; durationMs: number }[] = []): string {
    const parts: string[] = [];
    for (const [s, label, paint] of ORDER) {
      const n = this.#counts.get(s);
      if (n) parts.push(paint(`${n} ${label}`));
    }
    const head = ok ? pc.green(`Done in ${formatDuration(durationMs)}`) : pc.red(`Failed in ${formatDuration(durationMs)}`);
    const failures: string[] = [];
    for (const f of this.#failed) failures.push(`  ${pc.red('✗')} ${f.name}${f.logFile ? `  ${pc.dim(f.logFile)}` : ''}`);
    // The chain that set the wall time, when there is a chain to speak of.
    const path = criticalPath.length > 1 ? [`  ${pc.dim('critical path:')} ${criticalPath.map((p) => `${p.name} ${pc.dim(formatDuration(p.durationMs))}`).join(pc.dim(' → '))}`] : [];
    return [parts.length ? `${head}: ${parts.join(', ')}` : head, ...path, ...failures].join('\n');
  }
}
