/** docs/errors.md and core/errors.ts stay in step: one section and anchor per code, no more. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCatalogue, docsAnchor } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { repoRoot } from './paths.js';

const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
const codes = Object.keys(errorCatalogue).sort() as ErrorCode[];

describe('docs/errors.md', () => {
  it('has one section per catalogued code and none for unknown codes', () => {
    const headings = [...doc.matchAll(/^## (PROCTOR_ERR_[A-Z0-9_]+)$/gm)].map((m) => m[1]).sort();
    assert.deepEqual(headings, codes);
  });

  it('has the anchor the CLI links to for every code', () => {
    for (const code of codes) {
      const anchor = docsAnchor(code).split('#')[1];
      assert.ok(doc.includes(`<a id="${anchor}"></a>`), `missing anchor ${anchor}`);
    }
  });

  it('names every code in PROCTOR_ERR_<AREA>_<WHAT> form', () => {
    for (const code of codes) assert.match(code, /^PROCTOR_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
  });
});
