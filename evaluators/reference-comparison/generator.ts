/**
 * A reference from a model endpoint, for tasks that carry none: an OpenAI-compatible
 * `POST {url}/chat/completions` with the task's prompt and payload, at temperature 0. Every
 * failure (network, timeout, HTTP status, a body that is not a chat completion) becomes
 * `PROCTOR_ERR_REFERENCE_ENDPOINT` with the cause kept.
 */
import { request } from 'undici';
import { proctorError } from '../../core/errors.js';
import type { Json, Task } from '../../core/plugin-api.js';

export interface OpenAiGenerator {
  kind: 'openai';
  /** The API base, e.g. `http://127.0.0.1:8000/v1`. */
  url: string;
  model: string;
  /** The environment variable holding the API key, sent as `Authorization: Bearer …`. */
  apiKeyEnv?: string;
  timeoutMs: number;
}

/** A local causal LM (a Hugging Face ONNX folder, or a configured or bundled name) writing references greedily. */
export interface OnnxGenerator {
  kind: 'onnx';
  model: string;
  /** Tokens to write at most (64). */
  maxNewTokens?: number;
}

export type GeneratorOptions = OpenAiGenerator | OnnxGenerator;

/** Largest endpoint body read, bytes. */
const MAX_BODY_BYTES = 1 << 20;

/** The text leaves of a payload, in order (keys are schema, not content). */
export function payloadText(payload: Json): string {
  if (payload === null || typeof payload === 'boolean') return '';
  if (typeof payload === 'string' || typeof payload === 'number') return String(payload);
  return (Array.isArray(payload) ? payload : Object.values(payload)).map(payloadText).filter((t) => t.length > 0).join('\n\n');
}

function endpointError(url: string, detail: string, cause?: unknown): Error {
  return proctorError('PROCTOR_ERR_REFERENCE_ENDPOINT', { url, detail }, cause);
}

async function readCapped(body: AsyncIterable<Buffer | Uint8Array>, url: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw endpointError(url, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Asks the endpoint for a reference answer to `task`.
 *
 * @example
 * ```ts
 * await generateReference({ kind: 'openai', url: 'http://127.0.0.1:8000/v1', model: 'qwen', timeoutMs: 20000 }, task);
 * ```
 */
export async function generateReference(generator: OpenAiGenerator, task: Task): Promise<string> {
  const url = `${generator.url.replace(/\/+$/, '')}/chat/completions`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (generator.apiKeyEnv !== undefined) {
    const key = process.env[generator.apiKeyEnv];
    if (!key) throw endpointError(url, `the environment variable ${generator.apiKeyEnv} (generator.apiKeyEnv) is not set`);
    headers.authorization = `Bearer ${key}`;
  }
  const content = [task.prompt, payloadText(task.payload)].filter((t) => t.length > 0).join('\n\n');
  const body = JSON.stringify({ model: generator.model, messages: [{ role: 'user', content }], temperature: 0 });
  let text: string;
  let status: number;
  try {
    const response = await request(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(generator.timeoutMs) });
    status = response.statusCode;
    text = await readCapped(response.body, url);
  } catch (error) {
    if ((error as { code?: unknown })?.code === 'PROCTOR_ERR_REFERENCE_ENDPOINT') throw error;
    const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
    throw endpointError(url, timedOut ? `no answer within ${generator.timeoutMs} ms` : String((error as Error)?.message ?? error), error);
  }
  if (status < 200 || status > 299) throw endpointError(url, `HTTP ${status}: ${text.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw endpointError(url, `the body is not JSON: ${text.slice(0, 120)}`, error);
  }
  const answer = (parsed as { choices?: { message?: { content?: unknown } }[] })?.choices?.[0]?.message?.content;
  if (typeof answer !== 'string' || answer.trim().length === 0) throw endpointError(url, 'the body has no choices[0].message.content text');
  return answer.trim();
}
