/** The engine's version, from package.json: plugins declare the range of it they work with. */
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const ENGINE_VERSION: string = pkg.version;
