import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json, PublicTask } from '../plugin-api.js';
import { minerRoute } from './client.js';
import { DEFAULT_REQUEST_CAP, pluginMinerOptions, taskFromBody, type PluginProtocol } from './plugin-routes.js';

const base = { response: null as never, maxResponseBytes: 1024, timeoutMs: 1000 };
const text: PluginProtocol = { name: 'text', protocol: base };
const sums: PluginProtocol = { name: 'sums', protocol: { ...base, scheme: 'axon', synapse: { name: 'ProctorSums', hashFields: ['task_id', 'payload'], floatFields: ['payload'] }, maxRequestBytes: 2_097_152 } };

describe('pluginMinerOptions', () => {
  it('serves an Epistula plugin at its path and an axon plugin as its synapse: where minerRoute sends', async () => {
    const seen: [string, PublicTask][] = [];
    const options = pluginMinerOptions([text, sums], (plugin, task) => (seen.push([plugin.name, task]), { answer: plugin.name }));
    assert.deepEqual(Object.keys(options.routes), [minerRoute(text).path]);
    assert.deepEqual(Object.keys(options.synapses).map((name) => `/${name}`), [minerRoute(sums).path]);
    assert.deepEqual({ ...options.synapses.ProctorSums, handler: null }, { hashFields: ['task_id', 'payload'], floatFields: ['payload'], handler: null });
    const body = { task_id: '1-sums-0', kind: 'k', prompt: 'p', payload: { a: 1 }, deadline_ms: 5 };
    assert.deepEqual(await options.synapses.ProctorSums.handler(body, { signedBy: 'x' }), { answer: 'sums' });
    assert.deepEqual(await options.routes['/proctor/v1/text'](body, { signedBy: 'x' }), { answer: 'text' });
    assert.deepEqual(seen.map(([name]) => name), ['sums', 'text']);
    assert.deepEqual(seen[0][1], { id: '1-sums-0', kind: 'k', prompt: 'p', payload: { a: 1 } });
  });

  it('accepts request bodies as large as the largest plugin sends, and never less than the default', () => {
    assert.equal(pluginMinerOptions([text], () => null).maxBodyBytes, DEFAULT_REQUEST_CAP);
    assert.equal(pluginMinerOptions([text, sums], () => null).maxBodyBytes, 2_097_152);
  });

  it('refuses two plugins served at the same synapse with a coded error', () => {
    const twin: PluginProtocol = { name: 'twin', protocol: sums.protocol };
    assert.throws(() => pluginMinerOptions([sums, twin], () => null), { code: 'PROCTOR_ERR_TRANSPORT_OPTIONS', message: /plugins\.twin.*\/ProctorSums/ });
  });
});

describe('taskFromBody', () => {
  it('reads the public task, and makes empty fields of a body that lacks or mistypes them', () => {
    assert.deepEqual(taskFromBody({ task_id: 't', kind: 'k', prompt: 'p', payload: [1] }), { id: 't', kind: 'k', prompt: 'p', payload: [1] });
    for (const body of [null, 7, 'text', [1, 2], {}] as Json[]) assert.deepEqual(taskFromBody(body), { id: '', kind: '', prompt: '', payload: null });
  });

  it('makes empty strings of fields that are not strings, objects with a broken toString among them, without throwing', () => {
    const body = { task_id: 7, kind: ['k'], prompt: { toString: 1 }, payload: { toString: 1 } } as unknown as Json;
    assert.deepEqual(taskFromBody(body), { id: '', kind: '', prompt: '', payload: { toString: 1 } });
  });
});
