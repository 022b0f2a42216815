/**
 * The `image` plugin: every answer is scored against something hidden, never against taste.
 * Restoration tasks (×2/×4 super-resolution, denoising, JPEG-artefact removal, inpainting) degrade a
 * hidden original drawn from the round seed and score the miner's restoration against it with
 * `image-fidelity`, which subtracts the validator's own naive restoration so that echoing the input
 * or a plain bicubic upscale earns 0. Text-rendering tasks ask for a string drawn from an
 * unambiguous alphabet and read it back with OCR (`ocr-match`). `image-validity` gates both: an
 * image that does not decode, has the wrong size or is blank scores 0 whatever else says.
 * `near-duplicate-image` pays only the earliest of byte- or pixel-identical answers; `sybil-cluster`
 * pays uids that send the same bytes task after task as one miner; `latency-floor` discounts an
 * answer sent back faster than an image can be decoded and encoded.
 */
import { definePlugin, type Task, type TaskContext } from '../../core/plugin-api.js';
import { generateRestorationTasks, IMAGE_DATASET_VERSION } from '../../datasets/image/restoration.js';
import { generateTextRenderTasks, IMAGE_TEXT_DATASET_VERSION } from '../../datasets/image/text-render.js';
import { imageMiner } from './image-miner.js';
import { imageResponse } from './response-schema.js';

/** Restoration and text-rendering tasks per round. */
const RESTORATION_PER_ROUND = 4;
const TEXT_PER_ROUND = 2;
const RESTORATION_KINDS = ['super-resolution', 'denoise', 'jpeg-artifacts', 'inpaint'];


/** The round's tasks: restorations first, then text renderings, with ids `<round>-image-<index>`. */
function generate(ctx: TaskContext): Task[] {
  const restorations = Math.max(1, Math.round((ctx.count * RESTORATION_PER_ROUND) / (RESTORATION_PER_ROUND + TEXT_PER_ROUND)));
  const drawn = [...generateRestorationTasks({ ...ctx, count: restorations }), ...generateTextRenderTasks({ ...ctx, count: ctx.count - restorations })];
  return drawn.map((task, index) => ({ ...task, id: `${ctx.round}-image-${index}` }));
}

export default definePlugin({
  name: 'image',
  version: '1.0.1',
  engine: '^0.1.0',
  tasks: { perRound: RESTORATION_PER_ROUND + TEXT_PER_ROUND, version: `restoration ${IMAGE_DATASET_VERSION}, text ${IMAGE_TEXT_DATASET_VERSION}`, generate },
  evaluators: {
    'image-validity': { weight: 0 },
    'image-fidelity': { weight: 1, kinds: RESTORATION_KINDS },
    'ocr-match': { weight: 1, kinds: ['render-text'] },
  },
  // image-validity is a gate, not a share: an invalid image scores 0, a valid one what the others say.
  combine: (values, weights) => {
    if (values['image-validity'] !== 1) return 0;
    let [sum, total] = [0, 0];
    for (const [name, weight] of Object.entries(weights)) {
      if (name === 'image-validity') continue;
      sum += weight * (values[name] ?? 0);
      total += weight;
    }
    return total > 0 ? sum / total : 0;
  },
  detectors: ['latency-floor', 'near-duplicate-image', 'sybil-cluster'],
  protocol: { response: imageResponse, maxResponseBytes: 6 * 1024 * 1024 + 1024, maxRequestBytes: 2 * 1024 * 1024, timeoutMs: 10_000 },
  miner: imageMiner,
});
