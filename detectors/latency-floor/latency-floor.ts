/**
 * Answers faster than the task can be computed: a lookup, a cache or a constant answer needs no
 * time, real work does. Each task kind has a floor in milliseconds — `task.meta.minLatencyMs` when
 * the task states one, else the kind's default, else `defaultFloorMs` — and a response that arrived
 * sooner after its request gets the penalty `latency / floor`: 0 for an instant answer, rising to 1
 * at the floor.
 *
 * The defaults are deliberately low. Latency counts the whole request (signing, the network, the
 * miner's signature check), and on the local subnet an honest reference miner answers a text task
 * in about 0.01–0.3 ms of work, a request costs ~1.4 ms on an idle loopback, and an image answer
 * at least ~5–13 ms (decoding, dithering, encoding a 128² PNG): text kinds get no default floor, and
 * image kinds 3 ms. A subnet whose miners must run a model states its floor per task in `meta`.
 */
import { defineDetector, type DetectorDefinition, type Finding } from '../../core/plugin-api.js';

export interface LatencyFloorOptions {
  /** Floors by task kind, milliseconds; 0 = none. */
  floorsMs: Readonly<Record<string, number>>;
  /** The floor of a kind not in `floorsMs`. */
  defaultFloorMs: number;
  /** The `task.meta` key whose number overrides the kind's floor. */
  metaKey: string;
}

/** Largest floor a task may state: a deadline longer than this is not a floor. */
const MAX_FLOOR_MS = 600_000;

/** The defaults, measured on the local subnet (README: "How the floors were chosen"). */
export const LATENCY_FLOOR_DEFAULTS: Readonly<LatencyFloorOptions> = Object.freeze({
  floorsMs: Object.freeze({
    // Text: a reference miner's work is microseconds; only the transport separates it from a lookup.
    arithmetic: 0, dates: 0, strings: 0, lookup: 0, qa: 0, continuation: 0, summary: 0,
    // Images: decode the input, compute, encode a PNG. Honest reference miners measured ≥ ~5 ms of CPU.
    'super-resolution': 3, denoise: 3, 'jpeg-artifacts': 3, inpaint: 3, 'render-text': 3,
  }),
  defaultFloorMs: 0,
  metaKey: 'minLatencyMs',
});

/**
 * A latency-floor detector with the given options (the registry's uses the defaults).
 *
 * @example
 * ```ts
 * const llm = createLatencyFloor({ floorsMs: { continuation: 40, summary: 40 } });
 * const findings = await llm.inspect!(ctx, task, responses); // penalty latency/40 under 40 ms
 * ```
 */
export function createLatencyFloor(overrides: Partial<LatencyFloorOptions> = {}): DetectorDefinition {
  const options = { ...LATENCY_FLOOR_DEFAULTS, ...overrides };
  return defineDetector({
    name: 'latency-floor',
    version: '1.0.0',
    inspect(ctx, task, responses) {
      const stated = task.meta?.[options.metaKey];
      let floorMs = Object.hasOwn(options.floorsMs, task.kind) ? options.floorsMs[task.kind] : options.defaultFloorMs;
      let from = Object.hasOwn(options.floorsMs, task.kind) ? 'kind' : 'default';
      if (stated !== undefined) {
        if (typeof stated === 'number' && Number.isFinite(stated) && stated >= 0 && stated <= MAX_FLOOR_MS) [floorMs, from] = [stated, 'task'];
        else ctx.log(`latency-floor: task ${task.id} states ${options.metaKey} ${JSON.stringify(stated)}, not a number of ms from 0 to ${MAX_FLOOR_MS}; using the ${from} floor`);
      }
      if (!(floorMs > 0)) return [];
      const findings: Finding[] = [];
      for (const r of responses) {
        const latency = Number.isFinite(r.latencyMs) ? Math.max(0, r.latencyMs) : floorMs;
        if (latency >= floorMs) continue;
        findings.push({
          uids: [r.uid],
          penalty: latency / floorMs,
          evidence: { task: task.id, kind: task.kind, latencyMs: latency, floorMs, floorFrom: from, hotkey: r.hotkey, receivedAtMs: r.receivedAtMs },
        });
      }
      return findings;
    },
  });
}

export default createLatencyFloor();
