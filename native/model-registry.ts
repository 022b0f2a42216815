/**
 * Where models come from: the bundled ones (`native/models/<name>/`, committed), names the user
 * configured (name → folder), or a folder path; and the check that a folder holds the Hugging Face
 * ONNX layout before anything is loaded from it. Nothing here reaches the network.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { proctorError } from '../core/errors.js';

export type ModelKind = 'embedder' | 'causal-lm';

export interface ResolvedModel {
  /** The name errors and logs use: the bundled or configured name, or the path as given. */
  name: string;
  /** Absolute path of the model folder. */
  dir: string;
}

/** A checked model folder: its parsed JSON files and the path of its graph. */
export interface ModelFolder extends ResolvedModel {
  config: { model_type: string; [key: string]: unknown };
  tokenizerConfig: Record<string, unknown>;
  modelPath: string;
}

/** The files every folder must hold, in the order they are checked. */
export const REQUIRED_FILES: readonly string[] = Object.freeze(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']);

/**
 * The committed model folders live in the source tree, not in `dist/` (tsc copies no data). This
 * module runs from `dist/native/`, so they are at `../../native/models/`; when it runs from
 * `native/` itself (ts-node, tsx) they sit beside it. The first candidate that exists wins.
 */
const BUNDLED_CANDIDATES = [new URL('../../native/models/', import.meta.url), new URL('./models/', import.meta.url)];

/** The folder of the bundled models, or null when neither candidate exists. */
export function bundledModelsDir(): string | null {
  for (const candidate of BUNDLED_CANDIDATES) {
    const dir = fileURLToPath(candidate);
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  }
  return null;
}

/**
 * Names of the bundled models in the Hugging Face layout, sorted. Other bundled folders (the n-gram
 * model, which has its own format and loader) are not listed here.
 */
export function bundledModelNames(): string[] {
  const dir = bundledModelsDir();
  if (dir === null) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'config.json')))
    .map((entry) => entry.name)
    .sort();
}

function looksLikePath(nameOrPath: string): boolean {
  return isAbsolute(nameOrPath) || nameOrPath.startsWith('.') || nameOrPath.includes('/') || nameOrPath.includes('\\');
}

/**
 * Finds a model folder: a configured name first (so a user can replace a bundled model), then a
 * bundled name, then a path (relative paths are resolved against the working directory). Throws
 * `PROCTOR_ERR_MODEL_NOT_FOUND` with the known names otherwise.
 *
 * @example
 * ```ts
 * resolveModel('glove-sif');                                      // the bundled embedder
 * resolveModel('minilm', { minilm: '/models/all-MiniLM-L6-v2' }); // a configured folder
 * resolveModel('./models/smollm-135m');                           // a folder path
 * ```
 */
export function resolveModel(nameOrPath: string, configured: Readonly<Record<string, string>> = {}): ResolvedModel {
  if (Object.hasOwn(configured, nameOrPath)) return { name: nameOrPath, dir: resolve(configured[nameOrPath]) };
  const bundled = bundledModelNames();
  const root = bundledModelsDir();
  if (root !== null && bundled.includes(nameOrPath)) return { name: nameOrPath, dir: join(root, nameOrPath) };
  if (looksLikePath(nameOrPath) && existsSync(nameOrPath) && statSync(nameOrPath).isDirectory()) {
    return { name: nameOrPath, dir: resolve(nameOrPath) };
  }
  const known = [...new Set([...Object.keys(configured), ...bundled])].sort();
  throw proctorError('PROCTOR_ERR_MODEL_NOT_FOUND', { name: nameOrPath, known });
}

function readJsonObject(model: string, dir: string, file: string): Record<string, unknown> {
  const text = readFileSync(join(dir, file), 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model, file, problem: `is not valid JSON: ${(error as Error).message}` }, error);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model, file, problem: 'is not a JSON object' });
  }
  return value as Record<string, unknown>;
}

/**
 * Checks the Hugging Face ONNX layout of `dir` and returns its parsed configuration. A missing file
 * gives `PROCTOR_ERR_MODEL_FILE_MISSING` naming it; unparseable JSON, a `config.json` without
 * `model_type` or a `tokenizer.json` without a `model` gives `PROCTOR_ERR_MODEL_MALFORMED` naming it.
 * Whether the graph itself loads is checked when the session is created.
 *
 * @example
 * ```ts
 * const folder = checkModelFolder('/models/all-MiniLM-L6-v2', 'embedder');
 * folder.config.model_type; // 'bert'
 * ```
 */
export function checkModelFolder(dir: string, kind: ModelKind, name: string = dir): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw proctorError('PROCTOR_ERR_MODEL_FILE_MISSING', { model: name, file: dir });
  }
  for (const file of REQUIRED_FILES) {
    if (!existsSync(join(dir, file))) throw proctorError('PROCTOR_ERR_MODEL_FILE_MISSING', { model: name, file });
  }
  const config = readJsonObject(name, dir, 'config.json');
  if (typeof config.model_type !== 'string' || config.model_type === '') {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: name, file: 'config.json', problem: 'has no "model_type"' });
  }
  const tokenizer = readJsonObject(name, dir, 'tokenizer.json');
  if (tokenizer.model === null || typeof tokenizer.model !== 'object') {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: name, file: 'tokenizer.json', problem: 'has no tokenizer "model"' });
  }
  const tokenizerConfig = readJsonObject(name, dir, 'tokenizer_config.json');
  if (kind === 'causal-lm' && config.is_encoder_decoder === true) {
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model: name, file: 'config.json', problem: 'describes an encoder-decoder model, not a causal LM' });
  }
  return {
    name,
    dir: resolve(dir),
    config: config as ModelFolder['config'],
    tokenizerConfig,
    modelPath: join(resolve(dir), 'onnx', 'model.onnx'),
  };
}
