/**
 * Which node to talk to. The names are the Python SDK's (`finney`, `test`, `local`), a `ws://` or
 * `wss://` URL is taken as it is, and `BT_SUBTENSOR_CHAIN_ENDPOINT` (the SDK's variable) fills in
 * when no `--network` is given.
 */
import { proctorError } from '../errors.js';

/** The public endpoints the SDK uses (spec §6). `local` is the docker localnet's default port. */
export const NETWORK_ENDPOINTS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const;

export type NetworkName = keyof typeof NETWORK_ENDPOINTS;

export interface ChainTarget {
  /** `finney`, `test`, `local`, or `custom` for a URL. Stored with every run. */
  network: NetworkName | 'custom';
  endpoint: string;
}

export const ENDPOINT_ENV = 'BT_SUBTENSOR_CHAIN_ENDPOINT';

function fromUrl(value: string, origin: string): ChainTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw proctorError('PROCTOR_ERR_CHAIN_NETWORK', { value, problem: `${origin} is neither finney, test, local nor a ws:// or wss:// URL` });
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw proctorError('PROCTOR_ERR_CHAIN_NETWORK', { value, problem: `${origin} must use ws:// or wss:// (got ${url.protocol}//)` });
  }
  const known = (Object.entries(NETWORK_ENDPOINTS) as [NetworkName, string][]).find(([, endpoint]) => endpoint === value);
  return { network: known ? known[0] : 'custom', endpoint: value };
}

/**
 * The endpoint for `--network` (a name or a URL), else `BT_SUBTENSOR_CHAIN_ENDPOINT`, else
 * `fallback` when one is given.
 *
 * @example
 * ```ts
 * resolveNetwork('finney').endpoint;            // 'wss://entrypoint-finney.opentensor.ai:443'
 * resolveNetwork('ws://10.0.0.5:9944').network;  // 'custom'
 * resolveNetwork(undefined, { BT_SUBTENSOR_CHAIN_ENDPOINT: 'ws://127.0.0.1:9945' }).endpoint;
 * ```
 * @throws PROCTOR_ERR_CHAIN_NETWORK for anything else, or when nothing names a network.
 */
export function resolveNetwork(network: string | undefined, env: NodeJS.ProcessEnv = process.env, fallback?: NetworkName): ChainTarget {
  if (network !== undefined) {
    const name = network.trim();
    if (Object.hasOwn(NETWORK_ENDPOINTS, name)) return { network: name as NetworkName, endpoint: NETWORK_ENDPOINTS[name as NetworkName] };
    return fromUrl(name, '--network');
  }
  const fromEnv = env[ENDPOINT_ENV]?.trim();
  if (fromEnv) return fromUrl(fromEnv, ENDPOINT_ENV);
  if (fallback !== undefined) return { network: fallback, endpoint: NETWORK_ENDPOINTS[fallback] };
  throw proctorError('PROCTOR_ERR_CHAIN_NETWORK', { value: '', problem: `no network given: pass --network finney|test|local|ws://… or set ${ENDPOINT_ENV}` });
}
