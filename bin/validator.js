#!/usr/bin/env node
// The `validator` command: a thin launcher for the compiled CLI (built by `npm ci` via `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/core/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('[PROCTOR_ERR_CLI_NOT_BUILT] the CLI is not compiled yet: run `npm ci` (or `npm run build`) in the repository first\n');
  process.exit(1);
}
await import(main.href);
