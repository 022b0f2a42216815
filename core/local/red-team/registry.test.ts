import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProctorError } from '../../errors.js';
import { builtinStrategies, loadStrategy, parseRedTeamList, STRATEGY_NAMES } from './registry.js';

describe('red-team registry', () => {
  it('lists the eleven strategies the issue asks for, sorted, each loading under its own name', async () => {
    assert.deepEqual(STRATEGY_NAMES, [
      'cache', 'constant', 'copycat', 'degraded-echo', 'keyword-stuffer', 'padder', 'paraphrase-cache', 'random-text', 'reference-mimic', 'slow-relay', 'sybil-cluster',
    ]);
    assert.deepEqual(Object.keys(builtinStrategies), [...STRATEGY_NAMES]);
    for (const name of STRATEGY_NAMES) {
      const strategy = await loadStrategy(name);
      assert.equal(strategy.name, name);
      assert.ok(strategy.summary.length > 10 && strategy.defence.length > 10, name);
    }
  });

  it('parses names, name:n and all', () => {
    assert.deepEqual(parseRedTeamList('copycat, padder,sybil-cluster:4'), [
      { strategy: 'copycat', count: null }, { strategy: 'padder', count: null }, { strategy: 'sybil-cluster', count: 4 },
    ]);
    assert.equal(parseRedTeamList('all').length, STRATEGY_NAMES.length);
  });

  it('refuses an unknown name with a coded error that suggests the nearest one', () => {
    assert.throws(() => parseRedTeamList('copycat,padd3r'), (err: unknown) => {
      assert.ok(err instanceof ProctorError);
      assert.equal(err.code, 'PROCTOR_ERR_RED_TEAM_UNKNOWN');
      assert.match(err.message, /no red-team strategy "padd3r": did you mean "padder"\?/);
      return true;
    });
  });

  it('refuses a bad n and an empty list', () => {
    for (const bad of ['sybil-cluster:0', 'copycat:x', 'copycat:2:3', 'padder:65', ' , ']) {
      assert.throws(() => parseRedTeamList(bad), (err: unknown) => err instanceof ProctorError && err.code === 'PROCTOR_ERR_RUN_OPTIONS', bad);
    }
  });
});
