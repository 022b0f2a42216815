/** `--min-tasks`, `--ci-level`, `--ci-window`: the uncertainty-aware weights' parameters, checked. */
import { proctorError } from '../errors.js';
import { DEFAULT_CONFIDENCE, type ConfidenceParams } from '../engine/confidence.js';

export interface ConfidenceFlags {
  minTasks?: string;
  ciLevel?: string;
  ciWindow?: string;
}

function integer(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option, problem: `must be an integer from ${min} to ${max} (got "${value}")` });
  return n;
}

/** The parameters the flags give, the defaults for those they do not. */
export function confidenceFrom(flags: ConfidenceFlags): ConfidenceParams {
  const level = flags.ciLevel === undefined ? DEFAULT_CONFIDENCE.level : Number(flags.ciLevel);
  if (!(level > 0 && level < 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--ci-level', problem: `must be a number in (0, 1) (got "${flags.ciLevel}")` });
  return {
    ...DEFAULT_CONFIDENCE,
    level,
    minTasks: flags.minTasks === undefined ? DEFAULT_CONFIDENCE.minTasks : integer('--min-tasks', flags.minTasks, 0, 1_000_000),
    window: flags.ciWindow === undefined ? DEFAULT_CONFIDENCE.window : integer('--ci-window', flags.ciWindow, 1, 10_000),
  };
}
