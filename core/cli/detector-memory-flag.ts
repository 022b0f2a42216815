/** `--keep-detector-memory`: how many completed rounds keep their detector memory rows (run and chain run alike). */
import { proctorError } from '../errors.js';
import { integerFlag } from './io.js';
import { DETECTOR_MEMORY_KEEP_ROUNDS } from '../engine/detector-memory.js';

/**
 * The flag's value as the store takes it (`RoundRecord.keepDetectorMemory`): an integer from 1 to
 * 1,000,000 keeps that many latest completed rounds' rows; `0` or `all` keeps every row (0);
 * absent, the default (32). Anything else is PROCTOR_ERR_RUN_OPTIONS.
 *
 * @example
 * ```ts
 * keepDetectorMemoryFlag('2'); // 2
 * keepDetectorMemoryFlag('all'); // 0: no retention
 * ```
 */
export function keepDetectorMemoryFlag(value: string | undefined): number {
  if (value === undefined) return DETECTOR_MEMORY_KEEP_ROUNDS;
  if (value.trim().toLowerCase() === 'all') return 0;
  // Decimal digits only: Number() would read '', '0x0' and '-0' as 0 ("keep everything") and '1e2' as 100.
  if (!/^\d+$/.test(value)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--keep-detector-memory', problem: `must be a number of rounds, 0 or all (got ${JSON.stringify(value)})` });
  return integerFlag('--keep-detector-memory', value, 0, 1_000_000);
}
