/**
 * The validator's hotkey, from where btcli keeps it or from the environment.
 *
 * btcli's layout is `<path>/<name>/hotkeys/<hotkey>`, a JSON file with `secretPhrase` (a BIP39
 * mnemonic) and/or `secretSeed` (0x + 32 bytes), `ss58Address` and public fields; `coldkeypub.txt`
 * beside `hotkeys/` holds the coldkey's address. Hotkeys are unencrypted by default (the coldkey
 * is the one btcli encrypts), so the validator never needs a password. Secrets go into a `Hotkey`
 * that only signs: they are never returned, logged, or put in an error message.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isProctorError, proctorError } from '../errors.js';
import { hotkeyFromSecret, type Hotkey } from '../transport/keys.js';

/** The environment variable holding a hotkey secret (mnemonic, 0x seed, or //Dev URI for a local node). */
export const SECRET_ENV = 'PROCTOR_HOTKEY_SECRET';

/** btcli's defaults, and the SDK's environment variables that override them. */
export const WALLET_DEFAULTS = { name: 'default', hotkey: 'default', path: '~/.bittensor/wallets' } as const;

/** A hotkey file is a few hundred bytes; anything much larger is not one. */
const MAX_FILE_BYTES = 64 * 1024;

export interface WalletOptions {
  /** `--wallet.name`, `--wallet.hotkey`, `--wallet.path`; unset ones fall back to BT_WALLET_* then btcli's defaults. */
  name?: string;
  hotkey?: string;
  path?: string;
  env?: NodeJS.ProcessEnv;
  /** Where warnings go (a key file others can read). */
  warn?: (line: string) => void;
}

export interface LoadedHotkey {
  hotkey: Hotkey;
  /** Where it came from: the file's path or `$PROCTOR_HOTKEY_SECRET`. Safe to log. */
  source: string;
  /** The coldkey's ss58 address from `coldkeypub.txt`, when the wallet has one. */
  coldkey: string | null;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/**
 * The files of a btcli wallet.
 *
 * @example
 * ```ts
 * walletFiles({ name: 'validator', hotkey: 'v1' }).hotkeyFile; // ~/.bittensor/wallets/validator/hotkeys/v1
 * ```
 */
export function walletFiles(options: WalletOptions = {}): { hotkeyFile: string; coldkeypubFile: string } {
  const env = options.env ?? process.env;
  const name = options.name ?? env.BT_WALLET_NAME ?? WALLET_DEFAULTS.name;
  const hotkey = options.hotkey ?? env.BT_WALLET_HOTKEY ?? WALLET_DEFAULTS.hotkey;
  const root = resolve(expandHome(options.path ?? env.BT_WALLET_PATH ?? WALLET_DEFAULTS.path));
  for (const [flag, value] of [['--wallet.name', name], ['--wallet.hotkey', hotkey]] as const) {
    if (value === '' || value.includes('/') || value.includes('\\') || value === '.' || value === '..') {
      throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: flag, problem: `"${value}" must be a plain name, not a path` });
    }
  }
  const dir = join(root, name);
  return { hotkeyFile: join(dir, 'hotkeys', hotkey), coldkeypubFile: join(dir, 'coldkeypub.txt') };
}

function fromSecret(secret: string, source: string): Hotkey {
  try {
    return hotkeyFromSecret(secret);
  } catch (err) {
    // The key module's message never quotes the secret; keep its reason, name our source.
    const problem = isProctorError(err) && err.code === 'PROCTOR_ERR_KEY_INVALID' ? (err.data as { problem: string }).problem : 'the secret could not be read';
    throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source, problem });
  }
}

function readColdkey(path: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { ss58Address?: unknown };
    return typeof parsed.ss58Address === 'string' ? parsed.ss58Address : null;
  } catch {
    return null;
  }
}

/**
 * Reads a btcli hotkey file. Warns (never fails) when other users can read it.
 *
 * @throws PROCTOR_ERR_WALLET_NOT_FOUND, PROCTOR_ERR_WALLET_ENCRYPTED, PROCTOR_ERR_WALLET_INVALID
 */
export function loadHotkeyFile(path: string, warn: (line: string) => void = () => {}): Hotkey {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw proctorError('PROCTOR_ERR_WALLET_NOT_FOUND', { path, hint: `check --wallet.name, --wallet.hotkey and --wallet.path, or set ${SECRET_ENV}` });
  }
  if (!stat.isFile()) throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: path, problem: 'is not a file' });
  if (stat.size > MAX_FILE_BYTES) throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: path, problem: `is ${stat.size} bytes, too large for a hotkey file` });
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
    warn(`warning: ${path} is readable by ${(stat.mode & 0o007) !== 0 ? 'every user' : 'its group'} (mode ${mode}); it holds a secret key: chmod 600 ${path}`);
  }
  const text = readFileSync(path, 'utf8');
  if (/^\s*\$(NACL|BITTENSOR|ANSIBLE_VAULT)/.test(text)) throw proctorError('PROCTOR_ERR_WALLET_ENCRYPTED', { path });
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    json = parsed as Record<string, unknown>;
  } catch {
    // JSON.parse's message can quote the file's content: say only what is wrong.
    throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: path, problem: 'is not a btcli keyfile (expected a JSON object with secretPhrase or secretSeed)' });
  }
  const phrase = typeof json.secretPhrase === 'string' && json.secretPhrase.trim() !== '' ? json.secretPhrase : null;
  const seed = typeof json.secretSeed === 'string' && json.secretSeed.trim() !== '' ? json.secretSeed : null;
  if (phrase === null && seed === null) throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: path, problem: 'has neither secretPhrase nor secretSeed (a public-only key cannot sign)' });
  const hotkey = fromSecret((phrase ?? seed)!, path);
  if (typeof json.ss58Address === 'string' && json.ss58Address !== hotkey.address) {
    throw proctorError('PROCTOR_ERR_WALLET_INVALID', { source: path, problem: `its secret derives ${hotkey.address}, but the file says ss58Address ${json.ss58Address}` });
  }
  return hotkey;
}

/**
 * The validator's hotkey. A wallet flag (`name`, `hotkey`, `path`) selects a btcli file; without
 * one, `PROCTOR_HOTKEY_SECRET` is used when set; otherwise the btcli default wallet.
 *
 * @example
 * ```ts
 * const { hotkey, source } = loadHotkey({ name: 'validator', hotkey: 'default', warn: console.error });
 * log(`signing as ${hotkey.address} (from ${source})`);
 * ```
 */
export function loadHotkey(options: WalletOptions = {}): LoadedHotkey {
  const env = options.env ?? process.env;
  const flagged = options.name !== undefined || options.hotkey !== undefined || options.path !== undefined;
  const secret = env[SECRET_ENV];
  if (!flagged && secret !== undefined && secret.trim() !== '') {
    return { hotkey: fromSecret(secret, `$${SECRET_ENV}`), source: `$${SECRET_ENV}`, coldkey: null };
  }
  const files = walletFiles(options);
  const hotkey = loadHotkeyFile(files.hotkeyFile, options.warn);
  return { hotkey, source: files.hotkeyFile, coldkey: readColdkey(files.coldkeypubFile) };
}
