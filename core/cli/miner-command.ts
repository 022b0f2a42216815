/** `validator miner serve`: one reference miner on its own, for testing a validator or a subnet. */
import type { Command } from 'commander';
import { proctorError } from '../errors.js';
import type { Json, PublicTask } from '../plugin-api.js';
import { loadPlugin } from '../plugin-loader.js';
import { cryptoReady, devHotkey, hotkeyFromSecret } from '../transport/keys.js';
import { startMinerServer } from '../transport/miner-server.js';
import { randomFrom } from '../local/local-subnet.js';

const EXAMPLES = `
Examples:
  $ validator miner serve --plugin text --port 8091
  $ validator miner serve --plugin text --port 8092 --hotkey //Bob --skill 0.6
  $ PROCTOR_MINER_HOTKEY="<mnemonic>" validator miner serve --plugin text --port 8093

It prints {"hotkey", "url"} on stdout, the line a --miners file for \`validator run\` takes, and
serves until interrupted. Prefer PROCTOR_MINER_HOTKEY to --hotkey for real secrets: a flag shows
up in the process list.
`;

interface ServeFlags {
  plugin: string;
  port: string;
  host: string;
  hotkey?: string;
  skill: string;
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
  const route = `/proctor/v1/${plugin.definition.name}`;
  let server;
  try {
    server = await startMinerServer({
      hotkey,
      port,
      maxBodyBytes: Math.max(65_536, plugin.definition.protocol.maxRequestBytes ?? 0),
      host: flags.host,
      routes: {
        [route]: async (body: Json) => {
          const b = body as { task_id?: unknown; kind?: unknown; prompt?: unknown; payload?: Json };
          const task: PublicTask = { id: String(b.task_id ?? ''), kind: String(b.kind ?? ''), prompt: String(b.prompt ?? ''), payload: b.payload ?? null };
          return plugin.definition.miner.answer(task, skill, random);
        },
      },
    });
  } catch (err) {
    throw proctorError('PROCTOR_ERR_MINER_LISTEN', { port, detail: (err as Error).message }, err);
  }
  process.stdout.write(JSON.stringify({ hotkey: hotkey.address, url: server.url }) + '\n');
  process.stderr.write(`serving ${plugin.definition.name} at ${server.url}${route} as ${hotkey.address} (skill ${skill}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
}

export function registerMiner(program: Command): void {
  const miner = program.command('miner').description('reference miners').addHelpText('after', '\nExamples:\n  $ validator miner serve --plugin text --port 8091\n');
  miner
    .command('serve')
    .description('run one reference miner (signed Epistula requests, see docs/protocol.md)')
    .option('--plugin <name>', 'the plugin whose tasks it answers', 'text')
    .option('--port <p>', 'the port to listen on (0 = any free one)', '0')
    .option('--host <h>', 'the address to listen on', '127.0.0.1')
    .option('--hotkey <secret>', 'a dev seed (//Name), a mnemonic or a 0x seed; default: a dev key derived from the port')
    .option('--skill <p>', 'probability of a correct answer', '0.9')
    .addHelpText('after', EXAMPLES)
    .action(serve);
}
