/**
 * Property: layers and chains with writable tables (table_storage: ram), on random shapes, encoders,
 * parallelism, pipelining and ports: lint-clean RTL that computes its own model from the power-up
 * contents, and after a second model's tables and biases (random over the whole INT b_t range, and
 * biases over the whole planned bias width, so the widened accumulator is exercised; a hash tree
 * with E > 1 also another tree: random split columns and thresholds over their whole range, a
 * closest-centroid search with E > 1 other centroids over the whole input range) are written
 * through the load port, that second model's golden outputs bit for bit, under gaps and
 * back-pressure, in Verilator and sometimes Icarus; and the load map's words are the memory files'
 * (the generator writes one layout).
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centroidNorms } from '../../generator/encoders/ccs/plan.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { layerKindOf } from '../../generator/kinds/registry.ts';
import { signedMax, signedMin } from '../../generator/numeric/fixed.ts';
import type { DesignPlan, LayerPlan } from '../../generator/plan/types.ts';
import { Rng } from '../../generator/util/rng.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { firstLayerOf, randomDesignSpec, writeRandomDesign, type RandomDesignSpec } from '../support/random-design.ts';
import { hashTreeLayerSpec, smallLayerSpec } from '../support/random-layer.ts';

const RUNS = Number(process.env.LUTNN_PBT_RAM_RUNS ?? 6);

interface RamSpec {
  design: RandomDesignSpec;
  stream: boolean;
  icarus: boolean;
  seed: number;
}

/** A hash tree time-shared over E ≥ 2 steps (1 ≤ P_c < C lanes): its threshold RAM is on the load port too. */
const treeWithThresholdRam: fc.Arbitrary<RandomDesignSpec> = hashTreeLayerSpec
  .filter((s) => s.C >= 2)
  .map((s) => ({ layer: { ...s, codebooksPerCycle: 1 + (s.seed % (s.C - 1)) } }));

/** A closest-centroid search time-shared over E ≥ 2 steps: its centroid RAM is on the load port too (kept small: a ROM-fed datapath is generic). */
const ccsWithCentroidRam: fc.Arbitrary<RandomDesignSpec> = smallLayerSpec
  .filter((s) => s.C >= 2)
  .map((s) => ({ layer: { ...s, C: Math.min(s.C, 8), K: Math.min(s.K, 8), V: Math.min(s.V, 4), M: Math.min(s.M, 16), codebooksPerCycle: 1 + (s.seed % Math.min(s.C - 1, 2)) } }));

const ramSpec: fc.Arbitrary<RamSpec> = fc.record({
  design: fc.oneof({ arbitrary: randomDesignSpec, weight: 2 }, { arbitrary: treeWithThresholdRam, weight: 1 }, { arbitrary: ccsWithCentroidRam, weight: 1 }),
  stream: fc.boolean(),
  icarus: fc.constantFrom(false, false, true),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** The design with every writable layer's table and bias replaced by random values over their whole ranges. */
function secondModel(design: DesignPlan, seed: number): DesignPlan {
  const rng = new Rng(seed);
  const draw = (bits: number) => signedMin(bits) + Math.floor(rng.next() * 2 ** bits);
  const layers = design.layers.map((l): LayerPlan => {
    if (l.kind !== 'lut_linear' || !l.load) return l;
    const table = Int32Array.from(l.table.values, () => draw(l.table.bits));
    // Some entries at the extremes, where an accumulator too narrow would wrap.
    for (let i = 0; i < table.length; i += 3) table[i] = rng.next() < 0.5 ? signedMin(l.table.bits) : signedMax(l.table.bits);
    const bias = Int32Array.from(l.bias.values, () => draw(l.bias.width));
    // A hash tree with a threshold RAM (E > 1) gets another tree: random columns, thresholds over
    // their whole range [lo − 1, hi] (every input right … every input left).
    let encoder = l.encoder;
    if (encoder.kind === 'hash_tree' && encoder.stepRom?.writable) {
      const V = l.dims.V;
      const lo = signedMin(l.input.bits) - 1;
      const span = signedMax(l.input.bits) - lo + 1;
      const splitDims = Int32Array.from(encoder.splitDims, () => Math.floor(rng.next() * V));
      const thresholds = Int32Array.from(encoder.thresholds, () => lo + Math.floor(rng.next() * span));
      encoder = { ...encoder, splitDims, thresholds };
    }
    // A CCS with a centroid RAM (E > 1) gets other centroids over the whole input range, some at
    // its extremes (where the widest distances and norms are).
    if (encoder.kind === 'ccs' && encoder.stepRom?.writable) {
      const B = l.input.bits;
      const centroids = Int32Array.from(encoder.centroids, () => (rng.next() < 0.2 ? (rng.next() < 0.5 ? signedMin(B) : signedMax(B)) : draw(B)));
      encoder = { ...encoder, centroids, norms: centroidNorms(centroids, l.dims.C * l.dims.K, l.dims.V) };
    }
    return { ...l, encoder, table: { ...l.table, values: table }, bias: { ...l.bias, values: bias } };
  });
  return { ...design, layers };
}

async function checkRam(spec: RamSpec): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-ram-'));
  try {
    const art = join(dir, 'artifact');
    const { model, config } = await writeRandomDesign(art, spec.design);
    await appendFile(config, `table_storage: ram\n${spec.stream ? 'io: stream\nelements_per_beat: 3\n' : ''}`);
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    expect(plan.load).toBeDefined();
    expect(await lintDesign(out, plan.top)).toBe('');
    // One layout: what the load port writes for the design's own model is its memory files.
    for (const layer of plan.layers) {
      if (!layer.load || layer.kind !== 'lut_linear') continue;
      const mems = layerKindOf(layer).writable(layer);
      expect(mems.map((m) => m.memory)).toEqual(layer.load.map((r) => r.memory));
      const bank0 = (await readFile(join(out, `${layer.memory.table.fileStem}0.memh`), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('//'));
      const words = mems[0].contents();
      for (let w = 0; w < words.length; w++) expect(BigInt(`0x${bank0[w]}`)).toBe(words[w]);
      const rom = layer.encoder.stepRom;
      if (rom?.writable) {
        const file = (await readFile(join(out, rom.file), 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('//'));
        const stepWords = mems[mems.length - 1].contents();
        expect(stepWords).toHaveLength(rom.depth);
        for (let w = 0; w < stepWords.length; w++) expect(BigInt(`0x${file[w]}`)).toBe(stepWords[w]);
      }
    }
    const opts = { vectors: 120, seed: spec.seed % 1000, gapProbability: 0.3, stallProbability: 0.3 };
    const own = await verifyDesign(out, { ...opts, skipTiming: true });
    expect(own.failure).toBeUndefined();
    expect(own.mismatch).toBeNull();
    const loaded = secondModel(plan, spec.seed);
    const r = await verifyDesign(out, { ...opts, loaded });
    expect(r.failure).toBeUndefined();
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
    if (spec.icarus) {
      const ic = await verifyDesign(out, { ...opts, vectors: 40, loaded, simulator: 'icarus', skipTiming: true });
      expect(ic.failure).toBeUndefined();
      expect(ic.mismatch).toBeNull();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('writable tables loaded through the load port (property)', () => {
  it(`hold for ${RUNS} random designs (seed ${PBT_SEED + 10})`, async () => {
    await fc.assert(fc.asyncProperty(ramSpec, checkRam), { seed: PBT_SEED + 10, numRuns: RUNS, verbose: 1 });
  });
});
