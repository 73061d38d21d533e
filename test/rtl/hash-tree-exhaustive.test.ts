/**
 * Exhaustive proof for a small hash tree: every pair of 4-bit inputs (256 vectors, every value in
 * both columns) through two depth-3 codebooks whose thresholds sit on input values (ties), half-way
 * between them, below and above the input range, at the float32 maximum a learner writes for a
 * degenerate node, and behind halutmatmul's per-level offset and scale; in Verilator and Icarus, with
 * constant thresholds (E = 1), a threshold ROM (P_c = 1, E = 2) and one node register per level.
 * The golden indices are also checked against halutmatmul's own rule ((x − o)·σ > t in float64)
 * on the real-valued inputs, and both codebooks' leaves all occur.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { HashTreeArtifactEncoder, LutLinearLayer } from '../../generator/artifact/types.ts';
import { hashTreeFloat, hashTreeReference } from '../../generator/encoders/hash-tree/reference.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { encodeVector } from '../../generator/golden/lut-linear.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { writeTreeLayer, type TreeLayer } from '../support/hash-tree-artifact.ts';
import { lintDesign } from '../support/lint.ts';
import { hashTreeOf } from '../support/reference-check.ts';

const S = 0.25; // input scale: q ∈ [−8, 7] is x ∈ [−2, 1.75]
const F32_MAX = 3.4028234663852886e38;
const TREE: TreeLayer = {
  C: 2,
  V: 2,
  depth: 3,
  bits: 4,
  scale: S,
  // Codebook 0 splits on column 0, 1, 0; codebook 1 on 3, 3, 2 (absolute columns).
  dims: [0, 1, 0, 3, 3, 2],
  thresholds: [
    // codebook 0 (no offset, scale 1): on the grid (tie), between values, below and above the range.
    0, -0.5, 0.625, -2.25, 1.75, -2, F32_MAX,
    // codebook 1 (offsets and scales below): thresholds after (x − o)·σ.
    0, 0, 1, 0.5, -0.5, 3, -3,
  ],
  offsets: [0, 0, 0, 0.25, -0.5, 0.125],
  scales: [1, 1, 1, 2, 0.5, 4],
  M: 4,
  seed: 3,
};

function allPairs(): Int32Array {
  const out = new Int32Array(256 * 4);
  for (let n = 0; n < 256; n++) {
    const a = (n & 15) - 8;
    const b = (n >> 4) - 8;
    out.set([a, b, b, a], n * 4);
  }
  return out;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-tree-x-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('hash-tree encoder, exhaustive over every pair of 4-bit inputs', () => {
  const configs: [string, Record<string, unknown>, 'constant' | 'rom', number][] = [
    ['constant thresholds', {}, 'constant', 2],
    ['threshold ROM, one lane', { codebooks_per_cycle: 1 }, 'rom', 2],
    ['one node register per level (pipeline: max)', { pipeline: 'max' }, 'constant', 3],
  ];
  for (const [name, hw, storage, registers] of configs) {
    it(`${name}: lint-clean, bit-exact in Verilator and Icarus, indices as halutmatmul's rule`, async () => {
      const dir = join(root, name.replace(/\W+/g, '-'));
      const { model, config } = await writeTreeLayer(join(dir, 'artifact'), { ...TREE, hw });
      const out = join(dir, 'rtl');
      const { plan } = await genRtl({ model, config, out });
      expect(await lintDesign(out, plan.top)).toBe('');
      const tree = hashTreeOf(plan.layers[0] as LutLinearPlan);
      expect(tree.thresholdStorage).toBe(storage);
      expect(tree.registeredLevels.length).toBe(registers);
      const inputs = allPairs();
      for (const simulator of ['verilator', 'icarus'] as const) {
        const r = await verifyDesign(out, { vectors: 0, seed: 1, inputs, simulator, gapProbability: 0.2, stallProbability: 0.2 });
        expect(r.failure, simulator).toBeUndefined();
        expect(r.mismatch, simulator).toBeNull();
        expect(r.timing?.ok, simulator).toBe(true);
      }
      const artifact = await loadArtifact(model);
      const art = artifact.layers[0] as LutLinearLayer;
      const enc = art.encoder as HashTreeArtifactEncoder;
      const reference = hashTreeReference(art, enc);
      const float = hashTreeFloat(enc);
      const layer = plan.layers[0] as LutLinearPlan;
      const seen = [new Set<number>(), new Set<number>()];
      for (let n = 0; n < 256; n++) {
        const x = inputs.subarray(n * 4, n * 4 + 4);
        const idx = encodeVector(layer, x);
        const real = Array.from(x, (q) => q * S);
        for (let c = 0; c < 2; c++) {
          expect(idx[c], `vector ${n}, codebook ${c}`).toBe(reference(x, c));
          expect(idx[c], `vector ${n}, codebook ${c} (float rule)`).toBe(float(real, 0, c));
          seen[c].add(idx[c]);
        }
      }
      // Codebook 0 reads column 0 at levels 0 and 2, so only leaves 1, 2, 5 and 6 can occur: every
      // x0 passes −2.25 at node 3 (leaf 1), x0 ≤ 0 never passes 1.75 at node 4 (leaf 2), x0 > 0
      // always passes −2 at node 5 (leaf 5) and nothing passes the float32 maximum at node 6
      // (leaf 6). Codebook 1 reaches all eight.
      expect([...seen[0]].sort()).toEqual([1, 2, 5, 6]);
      expect(seen[1].size).toBe(8);
    });
  }
});
