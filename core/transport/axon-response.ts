/**
 * The axon's side of a legacy-scheme answer: the synapse JSON with the miner's fields filled in and
 * the `bt_header_axon_*` headers a Python dendrite reads (it treats a response as a success only
 * when `bt_header_axon_status_code` is 200), and, for a Proctor validator, the answer fields
 * picked back out of such a synapse.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Json } from '../plugin-api.js';
import { DENDRITE_VERSION, SYNAPSE_BASE_FIELDS, axonResponseMessage, createNonceClock, type SynapseSpec } from './axon.js';
import type { Hotkey } from './keys.js';

const encoder = new TextEncoder();
const clock = createNonceClock();
/** One uuid per axon process, as the Python axon keeps one. */
const axonUuid = randomUUID();

/** What the axon knows about the request when it answers (any of it may be missing on a refusal). */
export interface AxonResponseContext {
  synapse: SynapseSpec | null;
  axon: Hotkey;
  dendriteHotkey: string | null;
  dendriteNonce: string | null;
  dendriteUuid: string | null;
  status: number;
  message: string;
  processTimeS: number;
}

/**
 * The headers of an axon response. The axon signs `"{axon_nonce}.{dendrite_hotkey}.{axon_hotkey}.{axon_uuid}"`
 * when it knows the dendrite; that signature binds nothing of the body, so dendrites rarely check it.
 */
export function axonResponseHeaders(ctx: AxonResponseContext): Record<string, string> {
  const nonce = clock().toString();
  const headers: Record<string, string> = {
    bt_header_axon_status_code: String(ctx.status),
    bt_header_axon_status_message: ctx.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200),
    bt_header_axon_process_time: String(ctx.processTimeS),
    bt_header_axon_version: String(DENDRITE_VERSION),
    bt_header_axon_hotkey: ctx.axon.address,
    bt_header_axon_nonce: nonce,
    bt_header_axon_uuid: axonUuid,
  };
  if (ctx.synapse !== null) headers.name = ctx.synapse.name;
  if (ctx.dendriteHotkey !== null) {
    headers.bt_header_dendrite_hotkey = ctx.dendriteHotkey;
    const message = axonResponseMessage(nonce, ctx.dendriteHotkey, ctx.axon.address, axonUuid);
    headers.bt_header_axon_signature = `0x${Buffer.from(ctx.axon.sign(encoder.encode(message))).toString('hex')}`;
  }
  if (ctx.dendriteNonce !== null) headers.bt_header_dendrite_nonce = ctx.dendriteNonce;
  if (ctx.dendriteUuid !== null) headers.bt_header_dendrite_uuid = ctx.dendriteUuid;
  return headers;
}

/**
 * The synapse an axon returns: the request's fields with the miner's answer over them, as a
 * Python axon returns `synapse.model_dump()` after `forward` filled it in. A non-object answer is
 * returned as it is.
 */
export function synapseResponseBody(request: { [key: string]: Json }, answer: Json): Json {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return answer;
  return { ...request, ...answer };
}

/**
 * The miner's answer inside a returned synapse: every field that is not one of `Synapse`'s own
 * (`name`, `timeout`, `axon`, `dendrite`, …) and that the miner added or changed. A request field
 * sent back unchanged is an input, not part of the answer.
 *
 * @example
 * ```ts
 * synapseAnswer({ prompt: 'hi', completion: null }, { name: 'Chat', prompt: 'hi', completion: 'hello', axon: {} });
 * // { completion: 'hello' }
 * ```
 */
export function synapseAnswer(request: Json, response: Json): Json {
  if (response === null || typeof response !== 'object' || Array.isArray(response)) return response;
  const sent = request !== null && typeof request === 'object' && !Array.isArray(request) ? request : {};
  const answer: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(response)) {
    if (SYNAPSE_BASE_FIELDS.has(key)) continue;
    if (Object.hasOwn(sent, key) && isDeepStrictEqual(sent[key], value)) continue;
    answer[key] = value;
  }
  return answer;
}
