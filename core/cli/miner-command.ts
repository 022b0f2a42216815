/** `validator miner serve`: one reference miner on its own, for testing a validator or a subnet. */
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import { loadPlugin } from '../plugin-loader.js';
import { minerRoute } from '../transport/client.js';
import { cryptoReady, devHotkey, hotkeyFromSecret } from '../transport/keys.js';
import { startMinerServer } from '../transport/miner-server.js';
import { openNonceStore } from '../transport/nonce-store.js';
import { pluginMinerOptions } from '../transport/plugin-routes.js';
import { randomFrom } from '../local/local-subnet.js';

/** The nonce store's default file: in the working directory, like `validator run`'s ./proctor.db. */
export const DEFAULT_NONCE_DB = './proctor-miner-nonces.db';

const EXAMPLES = `
Examples:
  $ validator miner serve --plugin text --port 8091
  $ validator miner serve --plugin text --port 8092 --hotkey //Bob --skill 0.6
  $ PROCTOR_MINER_HOTKEY="<mnemonic>" validator miner serve --plugin text --port 8093
  $ validator miner serve --plugin text --hotkey //Bob --nonce-db ./bob.nonces.db

It serves the plugin in its own signing scheme (Epistula, or the legacy axon synapse when the
plugin sets protocol.scheme 'axon') and remembers accepted nonces in --nonce-db (default
${DEFAULT_NONCE_DB} in the working directory, like \`validator run\`'s ./proctor.db), so a
request answered before a restart is refused as replayed after it; several miners may share the
file. It prints {"hotkey", "url"} on stdout, the line a --miners file for \`validator run\` takes,
and serves until interrupted. Prefer PROCTOR_MINER_HOTKEY to --hotkey for real secrets: a flag shows
up in the process list.
`;

interface ServeFlags {
  plugin: string;
  port: string;
  host: string;
  hotkey?: string;
  skill: string;
  nonceDb: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--port', problem: 'must be an integer from 0 to 65535' });
  const skill = Number(flags.skill);
  if (!(skill >= 0 && skill <= 1)) throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--skill', problem: 'must be a number from 0 to 1' });
  await cryptoReady();
  const secret = flags.hotkey ?? process.env.PROCTOR_MINER_HOTKEY;
  const hotkey = secret !== undefined ? hotkeyFromSecret(secret) : devHotkey('miner', 1000 + port);
  const plugin = await loadPlugin(flags.plugin);
  const random = randomFrom(`serve:${hotkey.address}`);
  const { path } = minerRoute(plugin.definition);
  if (flags.nonceDb.trim() === '') throw proctorError('PROCTOR_ERR_RUN_OPTIONS', { option: '--nonce-db', problem: 'must name a file (or :memory:)' });
  const nonceStore = openNonceStore(flags.nonceDb);
  let server;
  try {
    server = await startMinerServer({
      hotkey,
      port,
      host: flags.host,
      nonceStore,
      ...pluginMinerOptions([plugin.definition], (_plugin, task) => plugin.definition.miner.answer(task, skill, random)),
    });
  } catch (err) {
    nonceStore.close();
    throw proctorError('PROCTOR_ERR_MINER_LISTEN', { port, detail: (err as Error).message }, err);
  }
  process.stdout.write(JSON.stringify({ hotkey: hotkey.address, url: server.url }) + '\n');
  const scheme = plugin.definition.protocol.scheme ?? 'epistula';
  process.stderr.write(`serving ${plugin.definition.name} at ${server.url}${path} (${scheme}) as ${hotkey.address} (skill ${skill}, nonces in ${flags.nonceDb}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  nonceStore.close();
}

export function registerMiner(program: Command): void {
  const miner = program.command('miner').description('reference miners').addHelpText('after', '\nExamples:\n  $ validator miner serve --plugin text --port 8091\n');
  miner
    .command('serve')
    .description('run one reference miner (signed requests in the plugin\'s scheme, see docs/protocol.md)')
    .option('--plugin <name>', 'the plugin whose tasks it answers', 'text')
    .option('--port <p>', 'the port to listen on (0 = any free one)', '0')
    .option('--host <h>', 'the address to listen on', '127.0.0.1')
    .option('--hotkey <secret>', 'a dev seed (//Name), a mnemonic or a 0x seed; default: a dev key derived from the port')
    .option('--skill <p>', 'probability of a correct answer', '0.9')
    .option('--nonce-db <file>', 'SQLite file of accepted nonces, kept across restarts (:memory: to forget them)', DEFAULT_NONCE_DB)
    .addHelpText('after', EXAMPLES)
    .action(serve);
}
