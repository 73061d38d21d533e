/**
 * `lutnn sim --load`: the bundled example generated with writable tables (table_storage: ram)
 * computes a second model (same formats, other tables and biases, and other centroids in its
 * centroid RAM) after its contents are written through the load port; the design still computes
 * its own model without a load; a second model the fixed hardware cannot compute (another table
 * scale; other centroids where they are constants) is refused with file, field, expected and found.
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
import { writeTreeLayer } from '../support/hash-tree-artifact.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let root: string;
let design: string;
let plan: LutLinearPlan;

/** The example's layer with an integer table (random INT8) at `scale` and another bias: a second model for the same hardware. */
async function secondModel(name: string, scale: number, moveCentroids = 0): Promise<string> {
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
    { name: 'fc1.centroids', dtype: 'F32' as const, shape: [C, K, plan.dims.V], data: Array.from(layer.centroids!.data, (c) => c + moveCentroids) },
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
  it('writes other centroids into the centroid RAM (E > 1) and computes that model bit for bit', async () => {
    expect(plan.encoder.stepRom?.writable).toBe(true);
    const moved = await secondModel('moved', plan.table.scale, 0.25);
    const r = await lutnn('sim', design, '--load', moved, '--vectors', '400', '-q');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}400 vectors bit-exact against the golden model of moved, loaded through the table port/);
    expect(r.stdout).toMatch(/PASS {2}golden model equals the independent reference computed from the artifact/);
  });
  it('refuses other centroids where they are constants (E = 1), naming the field', async () => {
    const config = join(root, 'hw-e1.yaml');
    await writeFile(config, `${await readFile(BUNDLED_EXAMPLE.config, 'utf8')}\ntable_storage: ram\n`.replace(/^codebooks_per_cycle:.*$/m, `codebooks_per_cycle: ${plan.dims.C}`));
    const rtl = join(root, 'rtl-e1');
    const one = (await genRtl({ model: join(root, 'example', 'model.json'), config, out: rtl })).plan.layers[0] as LutLinearPlan;
    expect(one.encoder.stepRom).toBeNull();
    const other = await secondModel('moved_e1', plan.table.scale, 0.25);
    const r = await lutnn('sim', rtl, '--load', other);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot be loaded into the design: its centroids differ, and with one encode step \(E = 1\) the centroids are constants/);
    expect(r.stderr).toMatch(/layers\.fc1\.centroids/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
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

describe('lutnn sim --load, hash tree with a threshold RAM', () => {
  /** A tree layer C = 4, V = 3, depth 3, one codebook per cycle (E = 4: thresholds in the step RAM). */
  const tree = (dims: number[], thresholds: number[]) => ({ C: 4, V: 3, depth: 3, dims, thresholds, bits: 8, scale: 0.05, M: 5, hw: { codebooks_per_cycle: 1, table_storage: 'ram' } });
  const dimsA = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const thrA = Array.from({ length: 4 * 7 }, (_, i) => ((i * 37) % 13) * 0.1 - 0.6);

  it('writes another tree (columns and thresholds) with the tables, and computes it bit for bit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-load-tree-'));
    try {
      const first = await writeTreeLayer(join(dir, 'a'), tree(dimsA, thrA));
      const rtl = join(dir, 'rtl');
      const layer = (await genRtl({ model: first.model, config: first.config, out: rtl })).plan.layers[0] as LutLinearPlan;
      expect(layer.encoder.stepRom?.writable).toBe(true);
      // The second model: other split columns and thresholds, an integer table at the design's scale.
      const manifest = JSON.parse(await readFile(first.model, 'utf8'));
      const rng = new Rng(11);
      const dimsB = dimsA.map((_, i) => Math.floor(i / 3) * 3 + Math.floor(rng.next() * 3));
      const thrB = thrA.map(() => (rng.next() - 0.5) * 8);
      manifest.name = 'second_tree';
      manifest.tensors = 'second.safetensors';
      manifest.layers[0].table = { bits: 12, scale: layer.table.scale };
      const tensors = [
        { name: 'h.dims', dtype: 'I32' as const, shape: [4, 3], data: dimsB },
        { name: 'h.thr', dtype: 'F32' as const, shape: [4, 7], data: thrB },
        { name: 'h.lut', dtype: 'I16' as const, shape: [4, 8, 5], data: Array.from({ length: 4 * 8 * 5 }, () => Math.floor(rng.next() * 4096) - 2048) },
      ];
      const second = await writeArtifact(join(dir, 'b'), manifest, tensors);
      const r = await execa('node', [LUTNN, 'sim', rtl, '--load', second, '--vectors', '500', '-q'], { reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/PASS {2}500 vectors bit-exact against the golden model of second_tree, loaded through the table port/);
      expect(r.stdout).toMatch(/PASS {2}golden model equals the independent reference computed from the artifact/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses another tree where the thresholds are constants (E = 1), naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-load-tree-'));
    try {
      const spec = { ...tree(dimsA, thrA), hw: { codebooks_per_cycle: 4, table_storage: 'ram' } };
      const first = await writeTreeLayer(join(dir, 'a'), spec);
      const rtl = join(dir, 'rtl');
      const layer = (await genRtl({ model: first.model, config: first.config, out: rtl })).plan.layers[0] as LutLinearPlan;
      expect(layer.encoder.stepRom).toBeNull();
      const manifest = JSON.parse(await readFile(first.model, 'utf8'));
      manifest.name = 'other_tree';
      manifest.tensors = 'second.safetensors';
      manifest.layers[0].table = { bits: 12, scale: layer.table.scale };
      const tensors = [
        { name: 'h.dims', dtype: 'I32' as const, shape: [4, 3], data: dimsA },
        { name: 'h.thr', dtype: 'F32' as const, shape: [4, 7], data: thrA.map((t) => t + 0.5) },
        { name: 'h.lut', dtype: 'I16' as const, shape: [4, 8, 5], data: Array.from({ length: 4 * 8 * 5 }, (_, i) => i - 80) },
      ];
      const second = await writeArtifact(join(dir, 'b'), manifest, tensors);
      const r = await execa('node', [LUTNN, 'sim', rtl, '--load', second], { reject: false });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/its tree differs, and with one encode step \(E = 1\) the thresholds are constants/);
      expect(r.stderr).toMatch(/layers\.h\.encoder\.thresholds/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
