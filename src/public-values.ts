/**
 * The public API's plain values — error classes and helpers — shared by the full library
 * (src/index.ts) and the inert module a worker or child sees (src/runners/replay-api.ts).
 */
export {
  CommandError,
  ProcFailedError,
  ProcNoChangeError,
  ProcSkippedError,
  ProcessError,
  UserError,
} from './errors.ts';
export {
  NO_FAILURES,
  ignoreLogAlways,
  ignoreLogIfSucceeded,
  output,
  regexFiles,
  whenScheduled,
  whenTargetScheduled,
} from './helpers.ts';
