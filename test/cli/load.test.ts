/**
 * `lutnn sim --load`: the bundled example generated with writable tables (table_storage: ram)
 * computes a second model, same centroids and formats with other tables and biases, after its
 * contents are written through the load port; the design still computes its own model without a
 * load; a second model the fixed hardware cannot compute (another table scale) is refused with
 * file, field, expected and found.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { Rng } from '../../generator/util/rng.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let root: string;
let design: string;
let plan: LutLinearPlan;

/** The example's layer with an integer table (random INT8) at `scale` and another bias: a second model for the same hardware. */
async function secondModel(name: string, scale: number): Promise<string> {
  const art = await loadArtifact(BUNDLED_EXAMPLE.model);
  const layer = art.layers[0] as LutLinearLayer;
  const manifest = JSON.parse(await readFile(BUNDLED_EXAMPLE.model, 'utf8'));
  const { C, K, M } = plan.dims;
  const rng = new Rng(7);
  manifest.name = name;
  manifest.tensors = 'second.safetensors';
  manifest.layers[0].table = { bits: 8, scale };
  manifest.layers[0].tensors = { centroids: 'fc1.centroids', lut: 'fc1.lut', bias: 'fc1.bias' };
  const tensors = [
    { name: 'fc1.centroids', dtype: 'F32' as const, shape: [C, K, plan.dims.V], data: layer.centroids!.data },
    { name: 'fc1.lut', dtype: 'I8' as const, shape: [C, K, M], data: Array.from({ length: C * K * M }, () => Math.floor(rng.next() * 256) - 128) },
    { name: 'fc1.bias', dtype: 'F32' as const, shape: [M], data: Array.from({ length: M }, () => (rng.next() - 0.5) * 600 * plan.table.scale) },
  ];
  return writeArtifact(join(root, name), manifest, tensors);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-load-'));
  const config = join(root, 'hw.yaml');
  await writeFile(config, `${await readFile(BUNDLED_EXAMPLE.config, 'utf8')}\ntable_storage: ram\n`);
  const example = join(root, 'example');
  await cp(join(PROJECT_ROOT, 'examples', 'lut_linear_64x32'), example, { recursive: true });
  design = join(root, 'rtl');
  plan = (await genRtl({ model: join(example, 'model.json'), config, out: design })).plan.layers[0] as LutLinearPlan;
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const lutnn = (...args: string[]) => execa('node', [LUTNN, ...args], { cwd: root, reject: false });

describe('lutnn sim --load', () => {
  it('computes the loaded model bit for bit, and equals its independent reference', async () => {
    expect(plan.memory.table.storage).toBe('ram');
    const second = await secondModel('second', plan.table.scale);
    const r = await lutnn('sim', design, '--load', second, '--vectors', '600', '-q');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}600 vectors bit-exact against the golden model of second, loaded through the table port \(\d+ writes\)/);
    expect(r.stdout).toMatch(/PASS {2}golden model equals the independent reference computed from the artifact/);
    // Without a load the power-up contents are the design's own model.
    const own = await lutnn('sim', design, '--vectors', '300', '-q');
    expect(own.exitCode, own.stdout).toBe(0);
  });
  it('refuses a model whose table scale the requantizer was not built for', async () => {
    const other = await secondModel('rescaled', plan.table.scale * 2);
    const r = await lutnn('sim', design, '--load', other);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot be loaded into the design: the table scale differs/);
    expect(r.stderr).toMatch(/rescaled[\\/]model\.json/);
    expect(r.stderr).toMatch(/layers\.fc1\.table scale/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
