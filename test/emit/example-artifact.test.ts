/** The committed example artifact is exactly what its committed script produces. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';

describe('examples/lut_linear_64x32', () => {
  it('is reproduced byte for byte by make-example.ts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-example-artifact-'));
    try {
      const example = join(PROJECT_ROOT, 'examples', 'lut_linear_64x32');
      await execa('node', ['--import', 'tsx', join(example, 'make-example.ts'), dir], { cwd: PROJECT_ROOT });
      for (const f of ['model.json', 'model.safetensors']) {
        expect((await readFile(join(dir, f))).equals(await readFile(join(example, f))), f).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
