/** Where the repository and the shared project files are, for tests that read them in place. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test');
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
/** `../shared/` beside the repository: read in place, never copied. */
export const sharedDir = join(repoRoot, '..', 'shared');
export const yumaCasesDir = join(sharedDir, 'specs', 'yuma-cases');
/** The compiled CLI entry, as `npx validator` runs it. */
export const cliPath = join(repoRoot, 'bin', 'validator.js');

/** A `skip` reason when a shared file is absent, so the test says why it did not run. */
export function skipUnless(path: string): string | false {
  return existsSync(path) ? false : `${path} is absent: this test reads ../shared/ in place and skips without it`;
}
