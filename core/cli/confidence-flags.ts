/** `--min-tasks`, `--ci-level`, `--ci-window`: the uncertainty-aware weights' parameters, checked. */
import { proctorError } from '../errors.js';
import { integerFlag } from './io.js';
import { DEFAULT_CONFIDENCE, type ConfidenceParams } from '../engine/confidence.js';

export interface ConfidenceFlags {
  minTasks?: string;
  ciLevel?: string;
  ciWindow?: string;
}

/** The parameters the flags give, the defaults for those they do not. */
export function confidenceFrom(flags: ConfidenceFlags): ConfidenceParams {
  const level = flags.ciLevel === undefined ? DEFAULT_CONFIDENCE.level : Number(flags.ciLevel);
  if (!(level > 0 && level < 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--ci-level', problem: `must be a number in (0, 1) (got "${flags.ciLevel}")` });
  return {
    ...DEFAULT_CONFIDENCE,
    level,
    minTasks: flags.minTasks === undefined ? DEFAULT_CONFIDENCE.minTasks : integerFlag('--min-tasks', flags.minTasks, 0, 1_000_000),
    window: flags.ciWindow === undefined ? DEFAULT_CONFIDENCE.window : integerFlag('--ci-window', flags.ciWindow, 1, 10_000),
  };
}
