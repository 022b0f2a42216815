/**
 * ONNX Runtime sessions with fixed settings, so that two validators running the same model on the
 * same inputs get the same numbers: one intra-op and one inter-op thread (no parallel reduction
 * whose order depends on scheduling), sequential execution, a fixed optimisation level, and no
 * memory arena or memory-pattern planning (allocation never depends on earlier runs). Sessions are
 * cached per (model file, provider) per thread: each worker has its own.
 */
import { existsSync, realpathSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { isProctorError, proctorError } from '../core/errors.js';
import type { ExecutionProvider, InferenceOptions } from './api.js';

export type OnnxSession = ort.InferenceSession;

/**
 * The settings of every session. `basic` optimisation applies only rewrites that keep the graph's
 * arithmetic (constant folding, redundant-node removal, a few exact fusions); `extended`/`all` add
 * fusions and layout changes chosen by the CPU's instruction set, which would let two machines run
 * different kernels for the same graph.
 */
export const SESSION_OPTIONS: Readonly<ort.InferenceSession.SessionOptions> = Object.freeze({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'basic',
  enableCpuMemArena: false,
  enableMemPattern: false,
  logSeverityLevel: 3,
});

const sessions = new Map<string, Promise<OnnxSession>>();

function executionProviders(provider: ExecutionProvider): ort.InferenceSession.ExecutionProviderConfig[] {
  if (provider === 'cpu') return [{ name: 'cpu', useArena: false }];
  if (provider === 'cuda') {
    const available = ort.listSupportedBackends().map((backend) => backend.name);
    if (!available.includes('cuda')) {
      throw proctorError('PROCTOR_ERR_MODEL_PROVIDER', {
        provider,
        detail: `this onnxruntime-node build offers ${available.join(', ')} (CUDA is built for Linux x64 only)`,
      });
    }
    return [{ name: 'cuda', deviceId: 0 }];
  }
  throw proctorError('PROCTOR_ERR_MODEL_PROVIDER', { provider: String(provider), detail: 'Proctor supports "cpu" and "cuda"' });
}

/** A failure to attach the GPU provider, as ONNX Runtime words it (its CUDA libraries or device are missing). */
function isProviderFailure(message: string): boolean {
  return /cuda|cudnn|execution ?provider|providers_shared|shared library/i.test(message);
}

async function open(modelPath: string, provider: ExecutionProvider, model: string): Promise<OnnxSession> {
  const providers = executionProviders(provider);
  try {
    return await ort.InferenceSession.create(modelPath, { ...SESSION_OPTIONS, executionProviders: providers });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (provider === 'cuda' && isProviderFailure(message)) {
      throw proctorError('PROCTOR_ERR_MODEL_PROVIDER', {
        provider,
        detail: `${message.split('\n')[0]} (install ONNX Runtime's CUDA 12 libraries, or use "cpu")`,
      }, error);
    }
    throw proctorError('PROCTOR_ERR_MODEL_MALFORMED', { model, file: modelPath, problem: `cannot be loaded by ONNX Runtime: ${message.split('\n')[0]}` }, error);
  }
}

/**
 * The session of `modelPath` on the provider of `options` (`cpu` by default), created once per
 * thread with `SESSION_OPTIONS`. `model` names the model in errors (default: the path).
 *
 * Errors: `PROCTOR_ERR_MODEL_FILE_MISSING` (no such file), `PROCTOR_ERR_MODEL_PROVIDER` (`cuda`
 * requested and not available), `PROCTOR_ERR_MODEL_MALFORMED` (ONNX Runtime refuses the graph).
 *
 * @example
 * ```ts
 * const session = await createOnnxSession('/models/minilm/onnx/model.onnx', { executionProvider: 'cpu' });
 * session.inputNames; // ['input_ids', 'attention_mask', 'token_type_ids']
 * ```
 */
export function createOnnxSession(modelPath: string, options: InferenceOptions = {}, model: string = modelPath): Promise<OnnxSession> {
  const provider = options.executionProvider ?? 'cpu';
  if (!existsSync(modelPath)) return Promise.reject(proctorError('PROCTOR_ERR_MODEL_FILE_MISSING', { model, file: modelPath }));
  const key = `${provider}\u0000${realpathSync(modelPath)}`;
  let session = sessions.get(key);
  if (session === undefined) {
    session = open(modelPath, provider, model);
    sessions.set(key, session);
    // A failed load is not cached: the user may fix the file or the provider and retry.
    session.catch(() => sessions.delete(key));
  }
  return session;
}

/** Releases every cached session of this thread (tests, and workers shutting down). */
export async function disposeOnnxSessions(): Promise<void> {
  const open = [...sessions.values()];
  sessions.clear();
  for (const pending of open) {
    const session = await pending.catch(() => null);
    await session?.release();
  }
}

/** Runs a session, wrapping ONNX Runtime's failures as `PROCTOR_ERR_MODEL_INFERENCE`. */
export async function runOnnxSession(
  session: OnnxSession,
  feeds: Record<string, ort.Tensor>,
  model: string,
): Promise<ort.InferenceSession.ReturnType> {
  try {
    return await session.run(feeds);
  } catch (error) {
    if (isProctorError(error)) throw error;
    throw proctorError('PROCTOR_ERR_MODEL_INFERENCE', { model, detail: error instanceof Error ? error.message.split('\n')[0] : String(error) }, error);
  }
}

export { ort };
