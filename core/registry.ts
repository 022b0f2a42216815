/**
 * The registry of built-in plugins, evaluators and detectors: explicit, sorted maps of lazy
 * references, frozen at start-up. Nothing registers itself as an import side effect, and `core/`
 * reaches plugins and evaluators only through here or through a path the user gives.
 */
import { editDistance } from './edit-distance.js';
import type { DetectorDefinition, PluginDefinition } from './plugin-api.js';

type PluginModule = { default: PluginDefinition };
type DetectorModule = { default: DetectorDefinition };

/** Built-in plugins by name → a lazy import of the module whose default export is the plugin. */
export const builtinPlugins: Readonly<Record<string, () => Promise<PluginModule>>> = Object.freeze({
  image: () => import('../plugins/image/image.js') as Promise<PluginModule>,
  text: () => import('../plugins/text/text.js') as Promise<PluginModule>,
});

/** Built-in evaluators by name → the module URL a worker imports (its default export is the evaluator). */
export const builtinEvaluators: Readonly<Record<string, string>> = Object.freeze({
  'embedding-similarity': new URL('../evaluators/embedding-similarity/embedding-similarity.js', import.meta.url).href,
  'ground-truth': new URL('../evaluators/ground-truth/ground-truth.js', import.meta.url).href,
  'image-fidelity': new URL('../evaluators/image-fidelity/image-fidelity.js', import.meta.url).href,
  'image-validity': new URL('../evaluators/image-validity/image-validity.js', import.meta.url).href,
  'ocr-match': new URL('../evaluators/ocr-match/ocr-match.js', import.meta.url).href,
  perplexity: new URL('../evaluators/perplexity/perplexity.js', import.meta.url).href,
  'reference-comparison': new URL('../evaluators/reference-comparison/reference-comparison.js', import.meta.url).href,
});

/** Built-in detectors by name → a lazy import. */
export const builtinDetectors: Readonly<Record<string, () => Promise<DetectorModule>>> = Object.freeze({
  'cache-probe': () => import('../detectors/cache-probe/cache-probe.js') as Promise<DetectorModule>,
  canary: () => import('../detectors/canary/canary.js') as Promise<DetectorModule>,
  'latency-floor': () => import('../detectors/latency-floor/latency-floor.js') as Promise<DetectorModule>,
  'near-duplicate-image': () => import('../detectors/near-duplicate-image/near-duplicate-image.js') as Promise<DetectorModule>,
  'near-duplicate-text': () => import('../detectors/near-duplicate-text/near-duplicate-text.js') as Promise<DetectorModule>,
  stuffing: () => import('../detectors/stuffing/stuffing.js') as Promise<DetectorModule>,
  'sybil-cluster': () => import('../detectors/sybil-cluster/sybil-cluster.js') as Promise<DetectorModule>,
});


/** The known name nearest to `name`, if it is near enough to be a plausible typo. */
export function nearestName(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance([...name.toLowerCase()], [...candidate.toLowerCase()]);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}
