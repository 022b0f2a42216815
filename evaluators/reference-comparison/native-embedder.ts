/**
 * Loads a sentence embedder by name (`glove-sif`, a name from `models`, or a folder path) through
 * the inference layer. The layer's modules are imported at call time, by URL, so this evaluator
 * compiles and its lexical part runs in a build that does not have them.
 */
import { proctorError } from '../../core/errors.js';
import type { Embedder, InferenceOptions, TextGenerator } from '../../native/api.js';

interface ModelRegistryModule {
  resolveModel(nameOrPath: string, configured?: Record<string, string>): { name: string; dir: string };
}

interface HfModelsModule {
  loadEmbedder(dir: string, options?: InferenceOptions & { name?: string }): Promise<Embedder>;
  loadTextGenerator(dir: string, options?: InferenceOptions & { name?: string }): Promise<TextGenerator>;
}

async function importNative<T>(file: string): Promise<T> {
  const url = new URL(`../../native/${file}`, import.meta.url);
  try {
    return (await import(url.href)) as T;
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file)) {
      throw proctorError('PROCTOR_ERR_INTERNAL_UNEXPECTED', { detail: `native/${file} is not in this build, so no embedder can be loaded` }, error);
    }
    throw error;
  }
}

/**
 * The embedder `name` names, resolved against the bundled models and `models` (name → folder).
 * Throws the inference layer's `PROCTOR_ERR_MODEL_*` errors, or `PROCTOR_ERR_INTERNAL_UNEXPECTED`
 * when the layer is not in this build.
 *
 * @example
 * ```ts
 * const embedder = await loadNamedEmbedder('glove-sif');
 * const [a, b] = await embedder.embed(['a cat', 'a kitten']);
 * ```
 */
export async function loadNamedEmbedder(name: string, models: Record<string, string> = {}): Promise<Embedder> {
  const registry = await importNative<ModelRegistryModule>('model-registry.js');
  const hf = await importNative<HfModelsModule>('hf-models.js');
  const resolved = registry.resolveModel(name, models);
  return hf.loadEmbedder(resolved.dir, { name: resolved.name });
}

/** A greedy text generator from a causal LM named like an embedder (bundled, configured, or a folder). */
export async function loadNamedGenerator(name: string, models: Record<string, string> = {}): Promise<TextGenerator> {
  const registry = await importNative<ModelRegistryModule>('model-registry.js');
  const hf = await importNative<HfModelsModule>('hf-models.js');
  const resolved = registry.resolveModel(name, models);
  return hf.loadTextGenerator(resolved.dir, { name: resolved.name });
}
