/** The tool's name and version, read once from package.json (printed in every generated header). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './emit/render.ts';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export const TOOL = { name: pkg.name, version: pkg.version };
