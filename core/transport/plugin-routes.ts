/**
 * The miner side of `minerRoute`: what a miner server must serve so that a validator can query a
 * plugin's tasks in the plugin's own scheme — the Epistula path `/proctor/v1/<name>`, or for
 * `protocol.scheme: 'axon'` the synapse `/<Synapse>` with the plugin's hash fields. The reference
 * miners (`validator miner serve`, the local subnet) build their servers with it, so a plugin
 * configured for either scheme runs locally end to end.
 */
import { proctorError } from '../errors.js';
import type { Json, PluginDefinition, PublicTask } from '../plugin-api.js';
import { minerRoute } from './client.js';
import type { MinerServerOptions, RouteHandler, SynapseRoute } from './miner-server.js';

/** The request body cap every reference miner accepts at least (the server's default). */
export const DEFAULT_REQUEST_CAP = 65_536;

/** What a miner needs of a plugin: its name and its protocol. */
export type PluginProtocol = Pick<PluginDefinition, 'name' | 'protocol'>;

/** Answers one task of one plugin; `body` is the whole request (or synapse) as received. */
export type PluginAnswer<P extends PluginProtocol = PluginProtocol> = (plugin: P, task: PublicTask, body: { [key: string]: Json }) => Json | Promise<Json>;

/**
 * The public task a request body carries (`docs/protocol.md`, per-plugin schemas); missing or
 * mistyped fields become empty strings and `null`, as a reference miner should not crash on them.
 *
 * @example
 * ```ts
 * taskFromBody({ task_id: '1-text-0', kind: 'date', prompt: 'When…?' });
 * // { id: '1-text-0', kind: 'date', prompt: 'When…?', payload: null }
 * ```
 */
export function taskFromBody(body: Json): PublicTask {
  const b = (body !== null && typeof body === 'object' && !Array.isArray(body) ? body : {}) as { [key: string]: Json | undefined };
  // typeof, not String(): a signed body like {"prompt":{"toString":1}} must not throw inside the miner.
  const text = (x: Json | undefined): string => (typeof x === 'string' ? x : '');
  return { id: text(b.task_id), kind: text(b.kind), prompt: text(b.prompt), payload: b.payload ?? null };
}

/**
 * Server options serving every plugin in its scheme: Epistula `routes`, axon `synapses`, and a body
 * cap large enough for the largest plugin's requests. Pass them to `startMinerServer`.
 *
 * @example
 * ```ts
 * const server = await startMinerServer({
 *   hotkey, nonceStore,
 *   ...pluginMinerOptions([plugin.definition], (p, task) => p.miner.answer(task, 0.9, Math.random)),
 * });
 * ```
 * @throws PROCTOR_ERR_TRANSPORT_OPTIONS when two plugins claim the same path or synapse name, or a
 *   plugin's scheme or synapse is invalid (the plugin loader refuses those earlier).
 */
export function pluginMinerOptions<P extends PluginProtocol>(plugins: readonly P[], answer: PluginAnswer<P>): Required<Pick<MinerServerOptions, 'routes' | 'synapses' | 'maxBodyBytes'>> {
  const routes: { [path: string]: RouteHandler } = {};
  const synapses: { [name: string]: SynapseRoute } = {};
  const taken = new Set<string>();
  for (const plugin of plugins) {
    const { path, limits } = minerRoute(plugin);
    if (taken.has(path)) throw proctorError('PROCTOR_ERR_TRANSPORT_OPTIONS', { option: `plugins.${plugin.name}`, problem: `is served at ${path}, which another plugin already uses` });
    taken.add(path);
    const handler: RouteHandler = (body) => answer(plugin, taskFromBody(body), body as { [key: string]: Json });
    if (limits.synapse === undefined) routes[path] = handler;
    else synapses[limits.synapse.name] = { hashFields: limits.synapse.hashFields, floatFields: limits.synapse.floatFields, handler };
  }
  return { routes, synapses, maxBodyBytes: Math.max(DEFAULT_REQUEST_CAP, ...plugins.map((p) => p.protocol.maxRequestBytes ?? 0)) };
}
