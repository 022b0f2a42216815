/**
 * The plugin loader's protocol checks: `scheme`, `synapse` and `maxRequestBytes` are refused at load
 * with a coded error naming the plugin and the field, for plugin modules loaded from disk as
 * `--plugins ./path` loads them, and for any value (fast-check) without another kind of throw.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ProctorError } from './errors.js';
import { checkPluginProtocol, loadPlugin, REQUEST_FIELDS, requestBody } from './plugin-loader.js';
import type { PublicTask } from './plugin-api.js';
import { taskFromBody } from './transport/plugin-routes.js';
import { minerRoute } from './transport/client.js';

let dir: string;
let written = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'proctor-plugin-loader-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a plugin module whose `protocol` has `extra` merged in, and returns its path. */
function pluginFile(extra: object): string {
  const file = join(dir, `plugin-${written++}.mjs`);
  writeFileSync(
    file,
    `export default {
  name: 'probe', version: '1.0.0', engine: '^0.1.0',
  tasks: { perRound: 1, version: '1', generate: () => [] },
  evaluators: { 'ground-truth': { weight: 1 } },
  protocol: { response: { safeParse: (v) => ({ success: true, data: v }) }, maxResponseBytes: 1024, timeoutMs: 1000, ...${JSON.stringify(extra)} },
  miner: { answer: () => null },
};\n`,
  );
  return file;
}

function refusedWith(code: string, field: string, mentions?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ProctorError, String(error));
    assert.equal(error.code, code);
    const data = error.data as { plugin: string; field: string };
    assert.deepEqual({ plugin: data.plugin, field: data.field }, { plugin: 'probe', field });
    assert.match(error.message, /^plugin probe: protocol\./);
    if (mentions) assert.match(error.message, mentions);
    return true;
  };
}

const synapse = { name: 'ProctorQuery', hashFields: ['task_id', 'prompt', 'payload'] };

describe('plugin loader: protocol.scheme, synapse and maxRequestBytes', () => {
  it('loads an Epistula plugin, and an axon one with a valid synapse', async () => {
    assert.equal((await loadPlugin(pluginFile({}))).definition.protocol.scheme, undefined);
    const axon = await loadPlugin(pluginFile({ scheme: 'axon', synapse: { ...synapse, floatFields: ['payload'] }, maxRequestBytes: 2 * 1024 * 1024 }));
    assert.deepEqual(axon.definition.protocol.synapse, { ...synapse, floatFields: ['payload'] });
  });

  const refusals: [string, object, string, string, RegExp][] = [
    ['an unknown scheme', { scheme: 'grpc' }, 'PROCTOR_ERR_PLUGIN_SCHEME', 'protocol.scheme', /'epistula' or 'axon', got 'grpc'/],
    ['axon without a synapse', { scheme: 'axon' }, 'PROCTOR_ERR_PLUGIN_SCHEME', 'protocol.scheme', /needs protocol\.synapse/],
    ['a synapse without scheme axon', { synapse }, 'PROCTOR_ERR_PLUGIN_SCHEME', 'protocol.scheme', /set scheme: 'axon'/],
    ['a synapse that is not an object', { scheme: 'axon', synapse: 'ProctorQuery' }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse', /must be an object/],
    ['a synapse name starting with a digit', { scheme: 'axon', synapse: { name: '2Query' } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.name', /Python class name/],
    ['a synapse name with a dash', { scheme: 'axon', synapse: { name: 'Proctor-Query' } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.name', /got 'Proctor-Query'/],
    ['a synapse name that is a Python keyword', { scheme: 'axon', synapse: { name: 'class' } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.name', /not a keyword/],
    ['a synapse name with a path in it', { scheme: 'axon', synapse: { name: '../admin' } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.name', /Python class name/],
    ['a synapse name of 129 characters', { scheme: 'axon', synapse: { name: 'S'.repeat(129) } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.name', /at most 128/],
    ['hash fields that are not a list', { scheme: 'axon', synapse: { name: 'Q', hashFields: 'prompt' } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.hashFields', /list of field names/],
    ['a hash field the engine never sends', { scheme: 'axon', synapse: { name: 'Q', hashFields: ['prompt', 'messages'] } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.hashFields[1]', /'messages'.*task_id, kind, prompt, payload, deadline_ms/],
    ['a repeated hash field', { scheme: 'axon', synapse: { name: 'Q', hashFields: ['prompt', 'prompt'] } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.hashFields[1]', /repeats "prompt"/],
    ['a float field that is not hashed', { scheme: 'axon', synapse: { name: 'Q', hashFields: ['prompt'], floatFields: ['deadline_ms'] } }, 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'protocol.synapse.floatFields[0]', /one of the hash fields: prompt/],
    ['maxRequestBytes 0', { maxRequestBytes: 0 }, 'PROCTOR_ERR_PLUGIN_REQUEST_CAP', 'protocol.maxRequestBytes', /integer from 1024 to 67108864/],
    ['maxRequestBytes not an integer', { maxRequestBytes: 4096.5 }, 'PROCTOR_ERR_PLUGIN_REQUEST_CAP', 'protocol.maxRequestBytes', /got 4096\.5/],
    ['maxRequestBytes as a string', { maxRequestBytes: '65536' }, 'PROCTOR_ERR_PLUGIN_REQUEST_CAP', 'protocol.maxRequestBytes', /got '65536'/],
    ['maxRequestBytes over 64 MiB', { maxRequestBytes: 64 * 1024 * 1024 + 1 }, 'PROCTOR_ERR_PLUGIN_REQUEST_CAP', 'protocol.maxRequestBytes', /67108865/],
  ];
  for (const [what, extra, code, field, mentions] of refusals) {
    it(`refuses ${what} with ${code} naming ${field}`, async () => {
      await assert.rejects(loadPlugin(pluginFile(extra)), refusedWith(code, field, mentions));
    });
  }

  it('judges any value in the three fields without crashing: one of the three coded errors, or a protocol the transport can route', () => {
    const codes = new Set(['PROCTOR_ERR_PLUGIN_SCHEME', 'PROCTOR_ERR_PLUGIN_SYNAPSE', 'PROCTOR_ERR_PLUGIN_REQUEST_CAP']);
    const name = fc.oneof(fc.constantFrom('Q', 'ProctorQuery', '_x', 'None', 'match'), fc.string(), fc.anything());
    const field = fc.oneof(fc.constantFrom('task_id', 'kind', 'prompt', 'payload', 'deadline_ms'), fc.string(), fc.anything());
    const synapseValue = fc.oneof(
      fc.record({ name, hashFields: fc.oneof(fc.array(field, { maxLength: 6 }), fc.anything()), floatFields: fc.oneof(fc.array(field, { maxLength: 3 }), fc.anything()) }, { requiredKeys: [] }),
      fc.anything(),
    );
    const protocol = fc.record(
      { scheme: fc.oneof(fc.constantFrom('epistula', 'axon'), fc.anything()), synapse: synapseValue, maxRequestBytes: fc.oneof(fc.integer(), fc.double(), fc.bigInt(), fc.anything()) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(protocol, (p) => {
        try {
          checkPluginProtocol({ name: 'probe', protocol: p });
        } catch (error) {
          assert.ok(error instanceof ProctorError && codes.has(error.code), String(error));
          return;
        }
        // What the loader lets through, the transport can route and sign.
        minerRoute({ name: 'probe', protocol: { response: null as never, maxResponseBytes: 1024, timeoutMs: 1000, ...(p as object) } });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('requestBody', () => {
  it('sends exactly the fields a synapse may hash, and a miner reads the same task back', () => {
    fc.assert(
      fc.property(fc.record({ id: fc.string(), kind: fc.string(), prompt: fc.string(), payload: fc.jsonValue() }), fc.integer({ min: 1, max: 600_000 }), (task, deadline) => {
        const body = requestBody(task as PublicTask, deadline);
        assert.deepEqual(Object.keys(body), REQUEST_FIELDS);
        assert.deepEqual(taskFromBody(body), { ...task, payload: task.payload ?? null });
        assert.equal(body.deadline_ms, deadline);
      }),
      { numRuns: 300 },
    );
  });
});
