/**
 * `npm run bench -- <name> [args]`: the heavy measurements, kept out of `npm test`. Each prints a
 * ratio against a baseline measured in the same process.
 */
import { runConsensusBench } from './consensus.js';
import { runRoundBench } from './round.js';
import { runImageBench } from './image.js';
import { runInferenceBench } from './inference.js';
import { runQualityBench } from './quality.js';

const benches: Record<string, (args: string[]) => void | Promise<void>> = {
  consensus: runConsensusBench,
  image: runImageBench,
  inference: runInferenceBench,
  quality: runQualityBench,
  round: runRoundBench,
  transport: async (args) => (await import('./transport.js')).runTransportBench(args),
};

const [name, ...args] = process.argv.slice(2);
if (name === undefined || !(name in benches)) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
  process.exitCode = 2;
} else {
  await benches[name](args);
}
