/** `validator plugins …`: list the built-ins, scaffold a new plugin, check one. */
import type { Command } from 'commander';
import { builtinDetectors, builtinEvaluators, builtinPlugins } from '../registry.js';
import { loadPlugin } from '../plugin-loader.js';
import { scaffoldPlugin } from '../plugin-scaffold.js';
import { checkPlugin } from '../plugin-check.js';

export function registerPlugins(program: Command): void {
  const plugins = program
    .command('plugins')
    .description('list, create and check plugins')
    .addHelpText('after', '\nExamples:\n  $ validator plugins list\n  $ validator plugins new my-subnet\n  $ validator plugins check ./my-subnet\n');

  plugins
    .command('list')
    .description('the built-in plugins, evaluators and detectors')
    .option('--json', 'as JSON')
    .addHelpText('after', '\nExamples:\n  $ validator plugins list\n  $ validator plugins list --json\n')
    .action(async (flags: { json?: boolean }) => {
      const loaded = [];
      for (const name of Object.keys(builtinPlugins).sort()) loaded.push(await loadPlugin(name));
      const list = {
        plugins: loaded.map((p) => ({ name: p.definition.name, version: p.definition.version, engine: p.definition.engine, tasksPerRound: p.definition.tasks.perRound, evaluators: p.evaluators.map((e) => ({ name: e.name, version: e.version, weight: e.weight })) })),
        evaluators: Object.keys(builtinEvaluators).sort(),
        detectors: Object.keys(builtinDetectors).sort(),
      };
      if (flags.json) {
        process.stdout.write(JSON.stringify(list, null, 2) + '\n');
        return;
      }
      const out = ['plugins:'];
      for (const p of list.plugins) out.push(`  ${p.name}@${p.version}  engine ${p.engine}  ${p.tasksPerRound} tasks/round  evaluators: ${p.evaluators.map((e) => `${e.name}@${e.version} (weight ${e.weight.toFixed(2)})`).join(', ')}`);
      out.push(`evaluators: ${list.evaluators.join(', ') || '(none)'}`, `detectors: ${list.detectors.join(', ') || '(none)'}`);
      process.stdout.write(out.join('\n') + '\n');
    });

  plugins
    .command('new <name>')
    .description('scaffold a plugin folder: tasks, an evaluator, a reference miner, a test and a README that pass as generated')
    .option('--dir <parent>', 'where to create the folder', '.')
    .addHelpText('after', '\nExamples:\n  $ validator plugins new my-subnet\n  $ cd my-subnet && node --test && validator plugins check .\n')
    .action((name: string, flags: { dir: string }) => {
      const { dir, files } = scaffoldPlugin(name, flags.dir);
      process.stdout.write(`created ${dir}\n${files.map((f) => `  ${f}`).join('\n')}\nnext: (cd ${name} && node --test) && validator plugins check ${dir}\n`);
    });

  plugins
    .command('check <path>')
    .description('load a plugin and exercise it offline: shape, engine range, evaluators, deterministic tasks, scoring of its reference miner')
    .addHelpText('after', '\nExamples:\n  $ validator plugins check ./my-subnet\n  $ validator plugins check text\n')
    .action(async (path: string) => {
      const report = await checkPlugin(path);
      process.stdout.write(report.lines.map((l) => `✓ ${l}`).join('\n') + `\nplugin ${report.plugin.definition.name} passed its checks\n`);
    });
}
