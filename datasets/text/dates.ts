/**
 * Date and time computation in the proleptic Gregorian calendar, all in UTC (no time zones, no
 * daylight saving):
 * - `add-days`: the date N days after or before a date → `YYYY-MM-DD`;
 * - `weekday`: the weekday of a date → its full English name (`Tuesday`);
 * - `days-between`: whole days from one date to a later one → an integer;
 * - `add-duration`: a clock time plus hours and minutes → `HH:MM` on a 24-hour clock.
 *
 * The canonical answer format is stated in every prompt.
 */
import type { Random } from '../seeded-random.js';
import { drawUntil, type TextTaskDraft } from './family.js';

export type DatesOperation = 'add-days' | 'weekday' | 'days-between' | 'add-duration';
const OPERATIONS: readonly DatesOperation[] = ['add-days', 'weekday', 'days-between', 'add-duration'];

const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function isoDate(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A random day between 1900-01-01 and 2099-12-31, as epoch milliseconds at midnight UTC. */
function randomDay(random: Random): number {
  return random.int(Date.UTC(1900, 0, 1) / DAY_MS, Date.UTC(2099, 11, 31) / DAY_MS) * DAY_MS;
}

function addDays(random: Random): TextTaskDraft {
  const start = randomDay(random);
  const days = random.int(1, 1500) * (random.next() < 0.7 ? 1 : -1);
  const date = isoDate(start);
  const direction = days > 0 ? 'after' : 'before';
  return {
    kind: 'dates',
    prompt: `What is the date ${Math.abs(days)} days ${direction} ${date}? Answer in ISO format YYYY-MM-DD.`,
    payload: { operation: 'add-days', date, days },
    answer: isoDate(start + days * DAY_MS),
    meta: { answerType: 'date', operation: 'add-days' },
  };
}

function weekday(random: Random): TextTaskDraft {
  const day = randomDay(random);
  const date = isoDate(day);
  return {
    kind: 'dates',
    prompt: `On which day of the week does ${date} fall (Gregorian calendar)? Answer with the full English name of the weekday.`,
    payload: { operation: 'weekday', date },
    answer: WEEKDAYS[new Date(day).getUTCDay()],
    meta: { answerType: 'weekday', operation: 'weekday' },
  };
}

function daysBetween(random: Random): TextTaskDraft {
  const from = randomDay(random);
  const days = random.int(2, 2500);
  const [start, end] = [isoDate(from), isoDate(from + days * DAY_MS)];
  return {
    kind: 'dates',
    prompt: `How many days are there from ${start} to ${end}, that is, the later date minus the earlier one? Answer with a whole number only.`,
    payload: { operation: 'days-between', from: start, to: end },
    answer: days,
    meta: { answerType: 'number', tolerance: 0, operation: 'days-between' },
  };
}

function addDuration(random: Random): TextTaskDraft {
  const [hour, minute] = [random.int(0, 23), random.int(0, 59)];
  const [hours, minutes] = [random.int(0, 40), random.int(1, 59)];
  const time = `${pad(hour)}:${pad(minute)}`;
  const end = (hour * 60 + minute + hours * 60 + minutes) % 1440;
  return {
    kind: 'dates',
    prompt: `A train leaves at ${time} and the journey takes ${hours} hours and ${minutes} minutes. At what time of day does it arrive? Answer as HH:MM on a 24-hour clock.`,
    payload: { operation: 'add-duration', time, hours, minutes },
    answer: `${pad(Math.floor(end / 60))}:${pad(end % 60)}`,
    meta: { answerType: 'time', operation: 'add-duration' },
  };
}

const DRAW: Record<DatesOperation, (random: Random) => TextTaskDraft> = {
  'add-days': addDays,
  weekday,
  'days-between': daysBetween,
  'add-duration': addDuration,
};

/** Draws one date or time question; see the module comment. */
export function datesTask(random: Random, _index: number): TextTaskDraft {
  const draw = DRAW[random.pick(OPERATIONS)];
  return drawUntil('dates', () => draw(random));
}
