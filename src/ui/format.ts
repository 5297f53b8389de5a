/** Shared formatting for reporters: icons, durations. */
import pc from './colors.ts';
import type { ProcError, ProcState } from '../types.ts';

export { formatDuration } from '../util/duration.ts';

const ICONS = new Map<string, string>();

/** The icon of an end state (SPEC 9), coloured (cached: it is drawn once per proc). */
export function stateIcon(state: ProcState, error: ProcError): string {
  const key = `${state}:${error === 'no-change' ? 'nc' : ''}`;
  let icon = ICONS.get(key);
  if (icon === undefined) ICONS.set(key, (icon = makeIcon(state, error)));
  return icon;
}

function makeIcon(state: ProcState, error: ProcError): string {
  switch (state) {
    case 'succeeded':
      return pc.green('✓');
    case 'failed':
      return pc.red('✗');
    case 'failed-dep':
      return '🚫';
    case 'skipped':
      return error === 'no-change' ? pc.dim('↷') : pc.yellow('⊘');
    case 'up-to-date':
      return pc.dim('↷');
    case 'running':
      return pc.cyan('▶');
    case 'wanted':
    case 'idle':
      return ' ';
  }
}

/** After the name of a proc restored from the remote cache. */
export const REMOTE_NOTE = '(restored from remote cache)';


/** A watch rebuild's line: `↻ src/a.ts changed: rebuilding build, test` (at most 3 paths named). */
export function rebuildLine(changed: readonly string[], procs: readonly string[]): string {
  const shown = changed.slice(0, 3).join(', ');
  const more = changed.length > 3 ? ` and ${changed.length - 3} more` : '';
  const what = changed.length === 0 ? 'inputs changed' : `${shown}${more} changed`;
  return `${pc.cyan('↻')} ${what}: rebuilding ${procs.join(', ')}`;
}
