/** btcli wallets in a temporary folder, secrets from the environment, and what is never printed. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_PHRASE } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { cryptoReady } from '../transport/keys.js';
import { loadHotkey, walletFiles } from './wallet.js';

/** The dev phrase's root sr25519 account (no derivation path): a known answer for substrate's derivation. */
const DEV_ROOT = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV';
const SEED = u8aToHex(mnemonicToMiniSecret(DEV_PHRASE));

describe('wallets', () => {
  let root: string;
  const write = (name: string, hotkey: string, content: unknown, mode = 0o600) => {
    const dir = join(root, name, 'hotkeys');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, hotkey);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    chmodSync(path, mode);
    return path;
  };
  const btcliFile = (fields: Record<string, unknown>) => ({ accountId: '0x', publicKey: '0x', privateKey: '0x', secretPhrase: null, secretSeed: null, ss58Address: DEV_ROOT, ...fields });

  before(async () => {
    await cryptoReady();
    root = mkdtempSync(join(tmpdir(), 'proctor-wallets-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('reads secretPhrase from <path>/<name>/hotkeys/<hotkey> and derives the address btcli wrote', () => {
    const path = write('validator', 'v1', btcliFile({ secretPhrase: DEV_PHRASE, secretSeed: SEED }));
    writeFileSync(join(root, 'validator', 'coldkeypub.txt'), JSON.stringify({ ss58Address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' }));
    const warnings: string[] = [];
    const loaded = loadHotkey({ name: 'validator', hotkey: 'v1', path: root, env: {}, warn: (l) => warnings.push(l) });
    assert.equal(loaded.hotkey.address, DEV_ROOT);
    assert.equal(loaded.source, path);
    assert.equal(loaded.coldkey, '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    assert.deepEqual(warnings, []);
  });

  it('reads a file that has only secretSeed (a key regenerated from its seed)', () => {
    write('seedonly', 'default', btcliFile({ secretSeed: SEED }));
    assert.equal(loadHotkey({ name: 'seedonly', path: root, env: {} }).hotkey.address, DEV_ROOT);
  });

  it('falls back to BT_WALLET_NAME / BT_WALLET_HOTKEY / BT_WALLET_PATH, then btcli\'s defaults', () => {
    write('fromenv', 'hk', btcliFile({ secretPhrase: DEV_PHRASE }));
    assert.equal(loadHotkey({ env: { BT_WALLET_NAME: 'fromenv', BT_WALLET_HOTKEY: 'hk', BT_WALLET_PATH: root } }).hotkey.address, DEV_ROOT);
    assert.match(walletFiles({ env: {} }).hotkeyFile, /\.bittensor\/wallets\/default\/hotkeys\/default$/);
  });

  it('warns when other users can read the key file, naming the file and never the secret', () => {
    const path = write('open', 'default', btcliFile({ secretPhrase: DEV_PHRASE }), 0o644);
    const warnings: string[] = [];
    loadHotkey({ name: 'open', path: root, env: {}, warn: (l) => warnings.push(l) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /readable by every user \(mode 644\).*chmod 600/);
    assert.ok(warnings[0].includes(path));
    assert.ok(!DEV_PHRASE.split(' ').some((w) => warnings[0].includes(` ${w} `)));
  });

  it('takes a mnemonic from PROCTOR_HOTKEY_SECRET when no wallet flag is given; a flag wins over it', () => {
    const env = { PROCTOR_HOTKEY_SECRET: `  ${DEV_PHRASE}\n` };
    const fromEnv = loadHotkey({ env });
    assert.deepEqual([fromEnv.hotkey.address, fromEnv.source, fromEnv.coldkey], [DEV_ROOT, '$PROCTOR_HOTKEY_SECRET', null]);
    assert.equal(loadHotkey({ env: { PROCTOR_HOTKEY_SECRET: '//Alice' } }).hotkey.address, '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY');
    assert.equal(loadHotkey({ name: 'seedonly', path: root, env }).source, join(root, 'seedonly', 'hotkeys', 'default'));
  });

  const refuses = (code: string, run: () => unknown, secret?: string) =>
    assert.throws(run, (e: { code?: string; message: string }) => {
      assert.equal(e.code, code);
      if (secret) for (const word of secret.split(' ')) assert.ok(!e.message.includes(word), `the message quotes "${word}": ${e.message}`);
      return true;
    });

  it('refuses encrypted, malformed, public-only, mismatched and missing files with coded errors that quote no secret', () => {
    write('enc', 'default', '$NACL\u0000\u0001binary');
    refuses('PROCTOR_ERR_WALLET_ENCRYPTED', () => loadHotkey({ name: 'enc', path: root, env: {} }));
    write('broken', 'default', `{"secretPhrase": "${DEV_PHRASE}",`);
    refuses('PROCTOR_ERR_WALLET_INVALID', () => loadHotkey({ name: 'broken', path: root, env: {} }), DEV_PHRASE);
    write('public', 'default', btcliFile({}));
    refuses('PROCTOR_ERR_WALLET_INVALID', () => loadHotkey({ name: 'public', path: root, env: {} }));
    write('mismatch', 'default', btcliFile({ secretPhrase: DEV_PHRASE, ss58Address: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' }));
    refuses('PROCTOR_ERR_WALLET_INVALID', () => loadHotkey({ name: 'mismatch', path: root, env: {} }), DEV_PHRASE);
    refuses('PROCTOR_ERR_WALLET_NOT_FOUND', () => loadHotkey({ name: 'nobody', path: root, env: {} }));
    refuses('PROCTOR_ERR_WALLET_INVALID', () => loadHotkey({ name: '../etc', path: root, env: {} }));
  });

  it('refuses a mistyped mnemonic in the environment without echoing it', () => {
    const typo = DEV_PHRASE.replace('bottom', 'bottle');
    refuses('PROCTOR_ERR_WALLET_INVALID', () => loadHotkey({ env: { PROCTOR_HOTKEY_SECRET: typo } }), typo);
  });
});
