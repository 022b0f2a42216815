/**
 * Chain failures become coded Proctor errors that keep the chain's name: module errors named
 * through the metadata, and submission rejections in the words of a node and of chopsticks.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchError } from '@polkadot/types/interfaces';
import { metadataSkip } from '../../test/chain-types.js';
import { startFakeChain, subtensorTypes, type FakeChain } from '../../test/chain-fixture.js';
import { dispatchFailure, isConnectionError, isRateLimited, parseRejection } from './chain-errors.js';
import { hotkeySigner } from './submit.js';

const skip = metadataSkip();

describe('parseRejection', () => {
  const cases: [string, string | null, string | null][] = [
    ['1010: Invalid Transaction: Custom error: 6', 'RateLimitExceeded', 'InvalidTransaction::Custom(6)'],
    ['1010: {"invalid":{"custom":6}}', 'RateLimitExceeded', 'InvalidTransaction::Custom(6)'],
    ['1010: {"invalid":{"custom":3}}', 'SubnetNotExists', 'InvalidTransaction::Custom(3)'],
    ['1010: Invalid Transaction: Custom error: 19', 'UidNotFound', 'InvalidTransaction::Custom(19)'],
    ['1010: Invalid Transaction: Transaction is outdated', 'Stale', 'InvalidTransaction::Stale'],
    ['1010: {"invalid":{"stale":null}}', 'Stale', 'InvalidTransaction::Stale'],
    ['1010: Invalid Transaction: Transaction has a bad signature', 'BadProof', 'InvalidTransaction::BadProof'],
    ['1010: {"invalid":{"badProof":null}}', 'BadProof', 'InvalidTransaction::BadProof'],
    ['1010: Invalid Transaction: Inability to pay some fees (e.g. account balance too low)', 'Payment', 'InvalidTransaction::Payment'],
    ['1010: {"invalid":{"ancientBirthBlock":null}}', 'AncientBirthBlock', 'InvalidTransaction::AncientBirthBlock'],
    ['1010: Invalid Transaction: Custom error: 42', 'Custom(42)', 'InvalidTransaction::Custom(42)'],
    ['1011: Unknown Transaction Validity: Could not lookup information required to validate the transaction', 'CannotLookup', 'UnknownTransaction::CannotLookup'],
    ['1014: Priority is too low: (140 vs 140)', 'TooLowPriority', null],
    ['disconnected from ws://127.0.0.1:9944: 1006:: Abnormal Closure', null, null],
    ['-32603: Internal Error: wasm unreachable', null, null],
  ];
  for (const [message, name, reason] of cases) {
    it(`reads "${message}" as ${name ?? 'not a rejection'}`, () => {
      const r = parseRejection(new Error(message));
      assert.equal(r?.name ?? null, name);
      if (reason) assert.equal(r?.reason, reason);
    });
  }

  it('tells connection failures from request failures', () => {
    assert.equal(isConnectionError(new Error('disconnected from ws://x: 1006:: Abnormal Closure')), true);
    assert.equal(isConnectionError(new Error('1010: Invalid Transaction: Custom error: 6')), false);
  });
});

describe('module errors are named from metadata, never by a hard-coded index', { skip }, () => {
  const types = subtensorTypes();
  const moduleError = (name: string) => {
    const [index, error] = types.errorIndex('SubtensorModule', name);
    return types.registry.createType('DispatchError', { Module: { index, error: [error, 0, 0, 0] } }) as DispatchError;
  };

  it('(7, 0x1d000000) is SettingWeightsTooFast on spec 424, with its docs', () => {
    const e = dispatchFailure(types.registry, types.registry.createType('DispatchError', { Module: { index: 7, error: '0x1d000000' } }) as DispatchError, 'set_weights');
    assert.equal(e.code, 'PROCTOR_ERR_CHAIN_MODULE_ERROR');
    assert.deepEqual([e.data.pallet, e.data.name], ['SubtensorModule', 'SettingWeightsTooFast']);
    assert.ok(e.data.docs.length > 0);
    assert.match(e.message, /set_weights was included but failed on chain: SubtensorModule\.SettingWeightsTooFast/);
  });

  it('resolves every error the chain checks on set_weights by its name', () => {
    for (const name of ['CommitRevealEnabled', 'WeightVecNotEqualSize', 'HotKeyNotRegisteredInSubNet', 'NotEnoughStakeToSetWeights', 'IncorrectWeightVersionKey', 'NeuronNoValidatorPermit', 'DuplicateUids', 'UidVecContainInvalidOne', 'WeightVecLengthIsLow', 'MaxWeightExceeded', 'RevealTooEarly', 'ExpiredWeightCommit', 'InvalidRevealCommitHashNotMatch']) {
      assert.equal(dispatchFailure(types.registry, moduleError(name), 'x').data.name, name);
    }
  });

  it('names dispatch errors that are not module errors', () => {
    const e = dispatchFailure(types.registry, types.registry.createType('DispatchError', { BadOrigin: null }) as DispatchError, 'serve_axon');
    assert.deepEqual([e.data.pallet, e.data.name], ['DispatchError', 'BadOrigin']);
  });
});

for (const format of ['node', 'chopsticks'] as const) {
  describe(`through a node that words rejections like ${format === 'node' ? 'a substrate node' : 'chopsticks'}`, { skip }, () => {
    let f: FakeChain;
    before(async () => {
      f = await startFakeChain({ errorFormat: format, subnet: { commitReveal: false, versionKey: 10n } });
    });
    after(() => f?.close());

    it('a failed dispatch comes back as PROCTOR_ERR_CHAIN_MODULE_ERROR with the name, block and extrinsic hash', async () => {
      const expectations: [number[], number[], bigint, string][] = [
        [[1, 1], [5, 6], 10n, 'DuplicateUids'],
        [[1, 2], [5], 10n, 'WeightVecNotEqualSize'],
        [[1, 2], [5, 6], 9n, 'IncorrectWeightVersionKey'],
        [[1, 9], [5, 6], 10n, 'UidVecContainInvalidOne'],
      ];
      for (const [uids, values, versionKey, name] of expectations) {
        const s = await f.chain.setWeights(f.validator, { netuid: 1, uids, values, versionKey });
        assert.equal(s.outcome, 'failed', name);
        assert.equal(s.error?.code, 'PROCTOR_ERR_CHAIN_MODULE_ERROR');
        assert.equal((s.error?.data as { name: string }).name, name);
        assert.ok(s.blockHash && s.blockNumber! > 0 && s.extrinsicHash?.startsWith('0x'));
      }
    });

    it('a rejection at submission comes back as PROCTOR_ERR_CHAIN_TX_REJECTED with the name, in this wording', async () => {
      const ok = await f.chain.setWeights(f.validator, { netuid: 1, uids: [1, 2], values: [5, 6], versionKey: 10n });
      assert.equal(ok.outcome, 'included');
      const s = await f.chain.setWeights(f.validator, { netuid: 1, uids: [1, 2], values: [5, 6], versionKey: 10n });
      assert.equal(s.outcome, 'rejected');
      assert.equal(s.error?.code, 'PROCTOR_ERR_CHAIN_TX_REJECTED');
      assert.deepEqual(s.error?.data, { call: 'set_weights', reason: 'InvalidTransaction::Custom(6)', name: 'RateLimitExceeded' });
      assert.equal(isRateLimited(s.error), true);
      const raw = (s.error?.cause as Error).message;
      assert.equal(raw, format === 'node' ? '1010: Invalid Transaction: Custom error: 6' : '1010: {"invalid":{"custom":6}}');
    });

    it('a reused nonce is Stale', async () => {
      const error = await new Promise<Error>((resolve) => {
        f.chain.api.tx.subtensorModule
          .commitWeights(1, '0x' + '11'.repeat(32))
          .signAndSend(f.validator.address, { nonce: 0, signer: hotkeySigner(f.chain.api, f.validator) })
          .then(() => resolve(new Error('accepted')), resolve);
      });
      assert.equal(parseRejection(error)?.name, 'Stale');
    });
  });
}
