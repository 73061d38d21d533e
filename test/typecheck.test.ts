/** The whole project type-checks under strict TypeScript (what users and CI build). */
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../generator/emit/render.ts';

describe('TypeScript', () => {
  it('tsc --noEmit reports no errors', async () => {
    const r = await execa('node', [join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', '.'], { cwd: PROJECT_ROOT, reject: false, all: true });
    expect(r.all).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
