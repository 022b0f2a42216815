/**
 * Resolves `--plugins` entries — built-in names, paths to a plugin module or folder, or package
 * names — and checks each plugin at load: its shape, its engine range, its evaluators and their
 * weights, each with its own coded error.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import semver from 'semver';
import { z } from 'zod';
import { proctorError } from './errors.js';
import type { DetectorDefinition, EvaluatorDefinition, Json, PluginDefinition, PublicTask } from './plugin-api.js';
import { builtinDetectors, builtinEvaluators, builtinPlugins, nearestName } from './registry.js';
import { ENGINE_VERSION } from './version.js';

/** An evaluator as a loaded plugin uses it: where a worker imports it from, and how it counts. */
export interface PluginEvaluator {
  name: string;
  version: string;
  module: string;
  weight: number;
  options: { [key: string]: Json };
  output: { range: readonly [number, number]; higherIsBetter: boolean };
  /** The task kinds it scores; null = every task. */
  kinds: string[] | null;
}

/** Whether an evaluator scores tasks of this kind. */
export function appliesTo(evaluator: PluginEvaluator, kind: string): boolean {
  return evaluator.kinds === null || evaluator.kinds.includes(kind);
}

export interface LoadedPlugin {
  definition: PluginDefinition;
  /** Where it came from: `builtin:text`, a file URL, or a package name. */
  source: string;
  evaluators: PluginEvaluator[];
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'must be a function' });
const shape = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lower-case letters, digits and dashes' }),
  version: z.string().refine((v) => semver.valid(v) !== null, { message: 'must be a semver version (1.0.0)' }),
  engine: z.string().refine((v) => semver.validRange(v) !== null, { message: 'must be a semver range (^0.1.0)' }),
  tasks: z.object({
    perRound: z.number().int().min(1).max(1024),
    version: z.string().min(1),
    generate: fn,
  }),
  evaluators: z.record(
    z.string(),
    z.object({ weight: z.number(), options: z.record(z.string(), z.unknown()).optional(), module: z.string().optional(), kinds: z.array(z.string()).min(1).optional() }),
  ),
  detectors: z.array(z.string()).optional(),
  protocol: z.object({
    response: z.custom<z.ZodType>((v) => typeof (v as { safeParse?: unknown })?.safeParse === 'function', { message: 'must be a zod schema' }),
    maxResponseBytes: z.number().int().min(1).max(64 * 1024 * 1024),
    timeoutMs: z.number().int().min(1).max(600_000),
  }),
  miner: z.object({ answer: fn }),
  combine: fn.optional(),
});

/** The fields of every request the engine sends (`docs/protocol.md`): an axon synapse can hash only these. */
export const REQUEST_FIELDS: readonly string[] = ['task_id', 'kind', 'prompt', 'payload', 'deadline_ms'];

/**
 * The request the engine sends a miner for one task: exactly the {@link REQUEST_FIELDS}.
 *
 * @example requestBody({ id: '1-text-0', kind: 'date', prompt: 'When…?', payload: null }, 12000)
 * // { task_id: '1-text-0', kind: 'date', prompt: 'When…?', payload: null, deadline_ms: 12000 }
 */
export function requestBody(task: PublicTask, deadlineMs: number): { [key: string]: Json } {
  return { task_id: task.id, kind: task.kind, prompt: task.prompt, payload: task.payload, deadline_ms: deadlineMs };
}
/** Bounds of `protocol.maxRequestBytes`: the reference miners accept bodies this large. */
export const REQUEST_CAP_RANGE = { min: 1024, max: 64 * 1024 * 1024 } as const;
const PYTHON_KEYWORDS = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '));
const PYTHON_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Any value as a short string for a message: `inspect` copes with bigints, symbols and cycles. */
function shown(value: unknown): string {
  const text = inspect(value, { depth: 1, breakLength: Infinity });
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * Checks `protocol.scheme`, `protocol.synapse` and `protocol.maxRequestBytes` at load, so that a
 * mistake there is one coded error naming the plugin and the field, not a failure of every query.
 * `loadPlugin` calls it; any value is judged without throwing anything but those coded errors.
 *
 * @example
 * ```ts
 * checkPluginProtocol({ name: 'x', protocol: { scheme: 'axon', synapse: { name: '1Bad' } } });
 * // throws PROCTOR_ERR_PLUGIN_SYNAPSE: plugin x: protocol.synapse.name must be a Python class name …
 * ```
 * @throws PROCTOR_ERR_PLUGIN_SCHEME, PROCTOR_ERR_PLUGIN_SYNAPSE, PROCTOR_ERR_PLUGIN_REQUEST_CAP
 */
export function checkPluginProtocol(plugin: Pick<PluginDefinition, 'name'> & { protocol: object }): void {
  const { name } = plugin;
  const { scheme, synapse, maxRequestBytes } = plugin.protocol as { scheme?: unknown; synapse?: unknown; maxRequestBytes?: unknown };
  if (maxRequestBytes !== undefined && !(Number.isSafeInteger(maxRequestBytes) && (maxRequestBytes as number) >= REQUEST_CAP_RANGE.min && (maxRequestBytes as number) <= REQUEST_CAP_RANGE.max)) {
    throw proctorError('PROCTOR_ERR_PLUGIN_REQUEST_CAP', { plugin: name, field: 'protocol.maxRequestBytes', problem: `must be an integer from ${REQUEST_CAP_RANGE.min} to ${REQUEST_CAP_RANGE.max} (64 MiB), got ${shown(maxRequestBytes)}` });
  }
  const schemeError = (problem: string) => proctorError('PROCTOR_ERR_PLUGIN_SCHEME', { plugin: name, field: 'protocol.scheme', problem });
  if (scheme !== undefined && scheme !== 'epistula' && scheme !== 'axon') throw schemeError(`must be 'epistula' or 'axon', got ${shown(scheme)}`);
  if (scheme !== 'axon') {
    if (synapse !== undefined) throw schemeError(`is ${scheme === undefined ? 'not set (Epistula)' : "'epistula'"} but protocol.synapse is given; set scheme: 'axon' to use the synapse`);
    return;
  }
  const synapseError = (field: string, problem: string) => proctorError('PROCTOR_ERR_PLUGIN_SYNAPSE', { plugin: name, field: `protocol.synapse${field}`, problem });
  if (synapse === undefined) throw schemeError("is 'axon', which needs protocol.synapse: { name, hashFields } (the miner's synapse class)");
  if (synapse === null || typeof synapse !== 'object' || Array.isArray(synapse)) throw synapseError('', 'must be an object { name, hashFields?, floatFields? }');
  const { name: className, hashFields = [], floatFields = [] } = synapse as { name?: unknown; hashFields?: unknown; floatFields?: unknown };
  if (typeof className !== 'string' || !PYTHON_NAME.test(className) || PYTHON_KEYWORDS.has(className)) {
    throw synapseError('.name', `must be a Python class name (ASCII letters, digits and _, not starting with a digit, not a keyword, at most 128 characters), got ${shown(className)}`);
  }
  const list = (field: string, value: unknown, allowed: readonly string[], what: string): string[] => {
    if (!Array.isArray(value)) throw synapseError(field, 'must be a list of field names');
    for (let i = 0; i < value.length; i++) {
      const f: unknown = value[i];
      if (typeof f !== 'string' || !allowed.includes(f)) throw synapseError(`${field}[${i}]`, `is ${shown(f)}; it must be one of ${what}: ${allowed.join(', ') || 'none'}`);
      if (value.indexOf(f) !== i) throw synapseError(`${field}[${i}]`, `repeats "${f}"`);
    }
    return value as string[];
  };
  const hashed = list('.hashFields', hashFields, REQUEST_FIELDS, 'the request fields');
  list('.floatFields', floatFields, hashed, 'the hash fields');
}

function pathOf(segments: readonly PropertyKey[]): string {
  return segments.map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`)).join('').replace(/^\./, '');
}

/** Finds the module a `--plugins` entry names. */
async function importPlugin(spec: string, cwd: string): Promise<{ module: unknown; source: string; url: string | null }> {
  const builtin = builtinPlugins[spec];
  if (builtin) return { module: await builtin(), source: `builtin:${spec}`, url: null };
  const looksLikePath = spec.startsWith('.') || spec.startsWith('/') || isAbsolute(spec) || spec.includes('\\');
  const path = resolve(cwd, spec);
  if (existsSync(path)) {
    let file = path;
    if (statSync(path).isDirectory()) {
      const pkgFile = join(path, 'package.json');
      const main = existsSync(pkgFile) ? (JSON.parse(readFileSync(pkgFile, 'utf8')) as { main?: string }).main : undefined;
      const candidates = [main, 'plugin.js', 'index.js', 'dist/plugin.js', 'dist/index.js'].filter((c): c is string => !!c).map((c) => join(path, c));
      const found = candidates.find((c) => existsSync(c));
      if (!found) throw proctorError('PROCTOR_ERR_PLUGIN_LOAD', { specifier: spec, detail: `the folder has none of ${candidates.map((c) => c.slice(path.length + 1)).join(', ')}` });
      file = found;
    }
    const url = pathToFileURL(file).href;
    try {
      return { module: await import(url), source: url, url };
    } catch (err) {
      throw proctorError('PROCTOR_ERR_PLUGIN_LOAD', { specifier: spec, detail: (err as Error).message }, err);
    }
  }
  if (!looksLikePath) {
    try {
      const resolved = createRequire(join(cwd, 'package.json')).resolve(spec);
      const url = pathToFileURL(resolved).href;
      return { module: await import(url), source: spec, url };
    } catch (err) {
      if ((err as { code?: string }).code !== 'MODULE_NOT_FOUND' && (err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') {
        throw proctorError('PROCTOR_ERR_PLUGIN_LOAD', { specifier: spec, detail: (err as Error).message }, err);
      }
    }
  }
  const known = Object.keys(builtinPlugins);
  throw proctorError('PROCTOR_ERR_PLUGIN_NOT_FOUND', { name: spec, suggestion: nearestName(spec, known), known });
}

async function loadEvaluatorMeta(name: string, moduleUrl: string): Promise<EvaluatorDefinition<never, unknown>> {
  let mod: { default?: EvaluatorDefinition<never, unknown> };
  try {
    mod = (await import(moduleUrl)) as typeof mod;
  } catch (err) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem: `cannot be imported: ${(err as Error).message}` }, err);
  }
  const def = mod.default;
  if (!def || typeof def.score !== 'function' || typeof def.version !== 'string' || !Array.isArray(def.output?.range)) {
    throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem: 'its default export is not a defineEvaluator object' });
  }
  if (def.name !== name) throw proctorError('PROCTOR_ERR_EVALUATOR_INVALID', { module: moduleUrl, problem: `is named "${def.name}", expected "${name}"` });
  return def;
}

/** Loads and checks one plugin. */
export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<LoadedPlugin> {
  const { module, source, url } = await importPlugin(spec, cwd);
  const definition = (module as { default?: unknown }).default;
  const parsed = shape.safeParse(definition);
  const label = (definition as { name?: unknown })?.name ?? spec;
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw proctorError('PROCTOR_ERR_PLUGIN_INVALID', { plugin: String(label), path: pathOf(issue.path) || 'the default export', problem: issue.message });
  }
  const plugin = definition as PluginDefinition;
  checkPluginProtocol(plugin);
  if (!semver.satisfies(ENGINE_VERSION, plugin.engine, { includePrerelease: true })) {
    throw proctorError('PROCTOR_ERR_PLUGIN_ENGINE_RANGE', { plugin: plugin.name, range: plugin.engine, engine: ENGINE_VERSION });
  }
  const entries = Object.entries(plugin.evaluators);
  if (entries.length === 0) throw proctorError('PROCTOR_ERR_PLUGIN_WEIGHTS', { plugin: plugin.name, problem: 'are empty: name at least one evaluator' });
  let total = 0;
  for (const [name, { weight }] of entries) {
    if (!Number.isFinite(weight) || weight < 0) throw proctorError('PROCTOR_ERR_PLUGIN_WEIGHTS', { plugin: plugin.name, problem: `give ${name} ${weight}; each must be a finite number ≥ 0` });
    total += weight;
  }
  if (!(total > 0)) throw proctorError('PROCTOR_ERR_PLUGIN_WEIGHTS', { plugin: plugin.name, problem: 'add up to 0; at least one must be positive' });
  const evaluators: PluginEvaluator[] = [];
  for (const [name, config] of entries) {
    let moduleUrl: string | undefined;
    if (config.module !== undefined) {
      moduleUrl = config.module.startsWith('file:') || url === null ? config.module : new URL(config.module, url).href;
    } else {
      moduleUrl = builtinEvaluators[name];
      if (moduleUrl === undefined) {
        throw proctorError('PROCTOR_ERR_PLUGIN_EVALUATOR_UNKNOWN', { plugin: plugin.name, evaluator: name, suggestion: nearestName(name, Object.keys(builtinEvaluators)) });
      }
    }
    const def = await loadEvaluatorMeta(name, moduleUrl);
    evaluators.push({ name, version: def.version, module: moduleUrl, weight: config.weight / total, options: config.options ?? {}, output: def.output, kinds: config.kinds ?? null });
  }
  for (const name of plugin.detectors ?? []) {
    if (builtinDetectors[name] === undefined) {
      const suggestion = nearestName(name, Object.keys(builtinDetectors));
      throw proctorError('PROCTOR_ERR_PLUGIN_INVALID', { plugin: plugin.name, path: 'detectors', problem: `names "${name}", which is not a built-in detector${suggestion ? ` (did you mean "${suggestion}"?)` : ''}; known: ${Object.keys(builtinDetectors).join(', ') || 'none'}` });
    }
  }
  return { definition: plugin, source, evaluators };
}

/** The detectors the run's plugins name, imported once each (names were checked at load). */
export async function loadDetectors(plugins: readonly LoadedPlugin[]): Promise<Map<string, DetectorDefinition>> {
  const detectors = new Map<string, DetectorDefinition>();
  for (const name of new Set(plugins.flatMap((p) => p.definition.detectors ?? []))) {
    const load = builtinDetectors[name];
    if (load !== undefined) detectors.set(name, (await load()).default);
  }
  return detectors;
}

/** Loads every `--plugins` entry; names must be unique. */
export async function loadPlugins(specs: readonly string[], cwd = process.cwd()): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  for (const spec of specs) {
    const plugin = await loadPlugin(spec, cwd);
    if (loaded.some((p) => p.definition.name === plugin.definition.name)) {
      throw proctorError('PROCTOR_ERR_PLUGIN_INVALID', { plugin: plugin.definition.name, path: 'name', problem: 'is given twice in --plugins' });
    }
    loaded.push(plugin);
  }
  return loaded;
}
