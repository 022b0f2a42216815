import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pluginList } from './report.js';

describe('the report’s runs table', () => {
  it('lists a run’s plugins by name and version', () => {
    assert.equal(pluginList('[{"name":"text","version":"2.1.0"},{"name":"image","version":"1.0.1"}]'), 'text 2.1.0, image 1.0.1');
    assert.equal(pluginList('[{"name":"text"}]'), 'text');
  });

  it('shows anything else as stored', () => {
    for (const stored of ['not json', '{"name":"text"}', '[1, 2]', '[{"version":"1"}]']) assert.equal(pluginList(stored), stored);
  });
});
