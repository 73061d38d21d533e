/**
 * Random lut_linear layers for property-based tests: a fast-check arbitrary over shapes, number
 * formats, metrics, table sources and hardware knobs, and a writer that turns one into an
 * artifact folder plus hw.yaml. Ties and saturation are forced on purpose: some centroids are
 * duplicated (exact distance ties) and the output scale is often too small for the outputs.
 *
 * Two shape families (`randomLayerSpec`): "small" (many codebooks and outputs, formats up to 12
 * bits) and "wide" (formats up to 16 bits, V up to 16, K up to 64, centroids at full scale) with
 * few codebooks and outputs, so that a wide design still builds and simulates in seconds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { writeArtifact } from '../../generator/artifact/write.ts';
import type { TensorInput } from '../../generator/artifact/safetensors.ts';
import { Rng } from '../../generator/util/rng.ts';

export interface RandomLayerSpec {
  K: number;
  V: number;
  C: number;
  M: number;
  inBits: number;
  outBits: number;
  tableBits: number;
  metric: 'l2' | 'l1' | 'chebyshev';
  activation: 'none' | 'relu';
  source: 'float' | 'int' | 'weight';
  withBias: boolean;
  /** Fraction of centroids replaced by a copy of another centroid of the same codebook. */
  duplicateFraction: number;
  /**
   * Fraction of centroids put at full scale: every coordinate at an INT b_in extreme, −2^(b−1) or
   * 2^(b−1)−1 (which maximises norms and distances). Absent or 0: none (and the random stream of
   * older specs is unchanged).
   */
  fullScale?: number;
  /**
   * Float centroids (F32) beyond the input range by this many LSBs at the full-scale extremes
   * (quantization saturates them back); only with float centroids and fullScale > 0.
   */
  overshoot?: number;
  /** Centroid tensor dtype: F32 multiples of the input scale (default) or input-scale integers (I8/I16). */
  centroidDtype?: 'float' | 'int';
  /** Output scale relative to the natural output range (small → heavy saturation). */
  outputScaleFactor: number;
  codebooksPerCycle: number | 'all';
  outputsPerCycle: number | 'all';
  treeLevelsPerStage: number;
  /** hw.yaml pipeline (lut_linear maximum pipelining); absent means standard. */
  pipeline?: 'standard' | 'max';
  memoryStyle: 'auto' | 'block' | 'distributed';
  /** hw.yaml index_buffer; absent means auto. */
  indexBuffer?: 'auto' | 'registers' | 'block';
  reset: 'sync' | 'async';
  seed: number;
  /**
   * The encoder: absent, the closest-centroid search (centroids and metric above); present, a
   * MADDNESS hash tree of `depth` levels (K must be 2^depth), its tensors drawn from their own
   * stream (the centroids, table and bias are those of the same spec without it).
   */
  hashTree?: HashTreeSpec;
}

/** A random hash tree (docs/artifact-format.md, "Encoders of a lut_linear layer"). */
export interface HashTreeSpec {
  depth: number;
  /**
   * Fraction of thresholds exactly on an input grid value after offset and scale (so ties happen
   * and the folded threshold is that integer); the rest are random reals, except `extremes`.
   */
  onGrid: number;
  /** Fraction of thresholds beyond the input range: the learner's float32 maximum, its negative, ±1e6 LSBs, lo − 1 and hi. */
  extremes: number;
  /**
   * Per-level offsets and scales: none, grid-aligned ones (offset a multiple of the input scale,
   * scale a power of two, so on-grid thresholds stay exact ties), or random reals.
   */
  affine: 'none' | 'grid' | 'random';
  /** Whether the layer names its centroids (always with a `weight` source, which needs them). */
  centroids: boolean;
}

/** The largest finite float32, which the MADDNESS learner writes for a degenerate node. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** The original family: many codebooks and outputs, formats up to 12 bits. */
export const smallLayerSpec: fc.Arbitrary<RandomLayerSpec> = fc.record({
  K: fc.integer({ min: 2, max: 32 }),
  V: fc.integer({ min: 1, max: 9 }),
  C: fc.integer({ min: 1, max: 40 }),
  M: fc.integer({ min: 1, max: 64 }),
  inBits: fc.integer({ min: 4, max: 12 }),
  outBits: fc.integer({ min: 4, max: 12 }),
  tableBits: fc.integer({ min: 4, max: 12 }),
  metric: fc.constantFrom('l2' as const, 'l1' as const, 'chebyshev' as const),
  activation: fc.constantFrom('none' as const, 'relu' as const),
  source: fc.constantFrom('float' as const, 'int' as const, 'weight' as const),
  withBias: fc.boolean(),
  duplicateFraction: fc.constantFrom(0, 0.1, 0.3),
  outputScaleFactor: fc.constantFrom(0.05, 0.3, 1, 3),
  codebooksPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 8 })),
  outputsPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 16 })),
  treeLevelsPerStage: fc.integer({ min: 1, max: 3 }),
  pipeline: fc.constantFrom('standard' as const, 'max' as const),
  memoryStyle: fc.constantFrom('auto' as const, 'block' as const, 'distributed' as const),
  reset: fc.constantFrom('sync' as const, 'async' as const),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/**
 * Largest P_c·K·V of a wide RTL design (P_c codebook lanes of K distances of V products each):
 * bounds the distance datapath, and so the Verilator build, to about what a small-family design
 * costs. `pipeline: max` expands every product into up to b_in shifted partial products (all b_in
 * of them when the centroids come from a ROM), hence the lower budgets.
 */
export const WIDE_DATAPATH_BUDGET = { standard: 512, maxConstant: 128, maxRom: 64 };

/**
 * Wide formats: input, table and output bits up to 16, V up to 16, K up to 64, centroids mostly at
 * full scale (norms up to V·2^30, l2 distances past 32 bits). C ≤ 3 and M ≤ 4 keep the design
 * small; P_c·K·V is capped at WIDE_DATAPATH_BUDGET by lowering K (V and the formats, which decide
 * the widths, are kept as drawn).
 */
export const wideLayerSpec: fc.Arbitrary<RandomLayerSpec> = fc
  .record({
    K: fc.oneof(fc.constantFrom(2, 3, 16, 33, 64), fc.integer({ min: 2, max: 64 })),
    V: fc.oneof(fc.constantFrom(1, 8, 16), fc.integer({ min: 1, max: 16 })),
    C: fc.integer({ min: 1, max: 3 }),
    M: fc.integer({ min: 1, max: 4 }),
    inBits: fc.oneof(fc.constant(16), fc.integer({ min: 2, max: 16 })),
    outBits: fc.oneof(fc.constant(16), fc.integer({ min: 2, max: 16 })),
    tableBits: fc.oneof(fc.constant(16), fc.integer({ min: 2, max: 16 })),
    metric: fc.constantFrom('l2' as const, 'l2' as const, 'l1' as const, 'chebyshev' as const),
    activation: fc.constantFrom('none' as const, 'relu' as const),
    source: fc.constantFrom('float' as const, 'int' as const, 'weight' as const),
    withBias: fc.boolean(),
    duplicateFraction: fc.constantFrom(0, 0.1, 0.3),
    fullScale: fc.constantFrom(1, 1, 0.5, 0),
    overshoot: fc.constantFrom(0, 0, 3),
    centroidDtype: fc.constantFrom('float' as const, 'int' as const),
    outputScaleFactor: fc.constantFrom(0.05, 0.3, 1, 3),
    codebooksPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 2 })),
    outputsPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 3 })),
    treeLevelsPerStage: fc.integer({ min: 1, max: 3 }),
    pipeline: fc.constantFrom('standard' as const, 'max' as const),
    memoryStyle: fc.constantFrom('auto' as const, 'block' as const, 'distributed' as const),
    reset: fc.constantFrom('sync' as const, 'async' as const),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map((s) => {
    const lanes = s.codebooksPerCycle === 'all' ? s.C : Math.min(s.codebooksPerCycle, s.C);
    const b = WIDE_DATAPATH_BUDGET;
    const budget = s.pipeline === 'standard' ? b.standard : lanes === s.C ? b.maxConstant : b.maxRom;
    const K = Math.max(2, Math.min(s.K, Math.floor(budget / (s.V * lanes))));
    return { ...s, K };
  });

/**
 * Random hash-tree layers (`hashTree` set, K = 2^depth): depths 1 … 8, V 1 … 12, input formats 2 … 16
 * bits, thresholds mostly on the input grid (ties) or beyond it (the learner's float32 maximum),
 * offsets and scales none / grid-aligned / random, with and without centroids; both threshold
 * storages (E = 1 constants, E > 1 the step ROM), pipelines and output groups. P_c·2^d ≤ 512 keeps
 * the Verilator build small.
 */
export const hashTreeLayerSpec: fc.Arbitrary<RandomLayerSpec> = fc
  .record({
    depth: fc.oneof(fc.constantFrom(1, 3, 8), fc.integer({ min: 1, max: 8 })),
    V: fc.oneof(fc.constantFrom(1, 2), fc.integer({ min: 1, max: 12 })),
    C: fc.integer({ min: 1, max: 6 }),
    M: fc.integer({ min: 1, max: 8 }),
    inBits: fc.oneof(fc.constantFrom(2, 16), fc.integer({ min: 2, max: 16 })),
    outBits: fc.integer({ min: 2, max: 16 }),
    tableBits: fc.integer({ min: 2, max: 16 }),
    activation: fc.constantFrom('none' as const, 'relu' as const),
    source: fc.constantFrom('float' as const, 'int' as const, 'weight' as const),
    withBias: fc.boolean(),
    outputScaleFactor: fc.constantFrom(0.3, 1, 3),
    codebooksPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 4 })),
    outputsPerCycle: fc.oneof(fc.constant('all' as const), fc.integer({ min: 1, max: 4 })),
    treeLevelsPerStage: fc.integer({ min: 1, max: 3 }),
    pipeline: fc.constantFrom('standard' as const, 'max' as const),
    memoryStyle: fc.constantFrom('auto' as const, 'block' as const, 'distributed' as const),
    reset: fc.constantFrom('sync' as const, 'async' as const),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    onGrid: fc.constantFrom(0.5, 0.8, 1),
    extremes: fc.constantFrom(0, 0.1, 0.3),
    affine: fc.constantFrom('none' as const, 'grid' as const, 'random' as const),
    centroids: fc.boolean(),
  })
  .map(({ depth, onGrid, extremes, affine, centroids, ...s }): RandomLayerSpec => {
    const lanes = s.codebooksPerCycle === 'all' ? s.C : Math.min(s.codebooksPerCycle, s.C);
    const C = lanes * 2 ** depth > 512 ? Math.max(1, Math.floor(512 / 2 ** depth)) : s.C;
    return {
      ...s,
      C,
      codebooksPerCycle: s.codebooksPerCycle === 'all' ? 'all' : Math.min(s.codebooksPerCycle, C),
      K: 2 ** depth,
      metric: 'l2',
      duplicateFraction: 0,
      hashTree: { depth, onGrid: Math.min(onGrid, 1 - extremes), extremes, affine, centroids },
    };
  });

/** Both families; the wide one in about a third of the draws. */
export const randomLayerSpec: fc.Arbitrary<RandomLayerSpec> = fc.oneof({ arbitrary: smallLayerSpec, weight: 2 }, { arbitrary: wideLayerSpec, weight: 1 });

export interface BuiltLayer {
  /** The layer's entry in model.json. */
  manifest: Record<string, unknown>;
  tensors: TensorInput[];
  output: { bits: number; scale: number };
}

/**
 * One random layer named `name` whose tensors are prefixed `name.`. The input format defaults to
 * about ±4.0 over the spec's input bits; a chained layer passes its predecessor's output format.
 */
export function buildRandomLayer(s: RandomLayerSpec, name: string, input?: { bits: number; scale: number }): BuiltLayer {
  const rng = new Rng(s.seed);
  const D = s.C * s.V;
  const inBits = input?.bits ?? s.inBits;
  const inScale = input?.scale ?? 2 ** -(s.inBits - 3);
  const qmax = 2 ** (inBits - 1) - 1;
  const t = (suffix: string) => `${name}.${suffix}`;

  // Centroids as float multiples of the input scale (exact), with deliberate duplicates.
  const centroids = new Float64Array(s.C * s.K * s.V);
  for (let i = 0; i < centroids.length; i++) centroids[i] = rng.int(-qmax - 1, qmax) * inScale;
  // Full scale: every coordinate of some centroids at −2^(b−1) or 2^(b−1)−1 (float ones possibly
  // beyond, by `overshoot` LSBs, which the planner saturates back).
  const fullScale = s.fullScale ?? 0;
  const intCentroids = s.centroidDtype === 'int';
  const over = intCentroids ? 0 : (s.overshoot ?? 0);
  if (fullScale > 0) {
    for (let i = 0; i < s.C * s.K; i++) {
      if (fullScale < 1 && rng.next() >= fullScale) continue;
      for (let v = 0; v < s.V; v++) centroids[i * s.V + v] = (rng.next() < 0.5 ? -qmax - 1 - over : qmax + over) * inScale;
    }
  }
  for (let c = 0; c < s.C; c++) {
    for (let k = 1; k < s.K; k++) {
      if (rng.next() < s.duplicateFraction) {
        const from = rng.int(0, k - 1);
        for (let v = 0; v < s.V; v++) centroids[(c * s.K + k) * s.V + v] = centroids[(c * s.K + from) * s.V + v];
      }
    }
  }

  const tensors: TensorInput[] = [
    intCentroids
      ? { name: t('centroids'), dtype: inBits <= 8 ? 'I8' : 'I16', shape: [s.C, s.K, s.V], data: Int32Array.from(centroids, (p) => Math.round(p / inScale)) }
      : { name: t('centroids'), dtype: 'F32', shape: [s.C, s.K, s.V], data: centroids },
  ];
  const tmax = 2 ** (s.tableBits - 1) - 1;
  let table: Record<string, unknown> = { bits: s.tableBits };
  let tensorRefs: Record<string, string> = { centroids: t('centroids') };
  let entryScale: number;
  if (s.source === 'weight') {
    const weight = Float64Array.from({ length: s.C * s.V * s.M }, () => rng.normal());
    tensors.push({ name: t('weight'), dtype: 'F32', shape: [s.C, s.V, s.M], data: weight });
    tensorRefs = { ...tensorRefs, weight: t('weight') };
    entryScale = 4 / tmax;
  } else if (s.source === 'float') {
    const lut = Float64Array.from({ length: s.C * s.K * s.M }, () => rng.normal());
    tensors.push({ name: t('lut'), dtype: 'F32', shape: [s.C, s.K, s.M], data: lut });
    tensorRefs = { ...tensorRefs, lut: t('lut') };
    entryScale = 3 / tmax;
  } else {
    const lut = Int32Array.from({ length: s.C * s.K * s.M }, () => rng.int(-tmax - 1, tmax));
    entryScale = 0.01;
    tensors.push({ name: t('lut'), dtype: s.tableBits <= 8 ? 'I8' : 'I16', shape: [s.C, s.K, s.M], data: lut });
    tensorRefs = { ...tensorRefs, lut: t('lut') };
    table = { ...table, scale: entryScale };
  }
  if (s.withBias) {
    const bias = Float64Array.from({ length: s.M }, () => rng.normal() * entryScale * tmax * 2);
    tensors.push({ name: t('bias'), dtype: 'F32', shape: [s.M], data: bias });
    tensorRefs = { ...tensorRefs, bias: t('bias') };
  }
  // Natural output range ≈ sqrt(C)·(typical entry); the factor pushes it into saturation or not.
  const natural = Math.sqrt(s.C) * entryScale * tmax;
  const output = { bits: s.outBits, scale: Math.fround((natural * s.outputScaleFactor) / 2 ** (s.outBits - 1)) };
  const manifest: Record<string, unknown> = {
    name,
    kind: 'lut_linear',
    in_features: D,
    out_features: s.M,
    num_codebooks: s.C,
    num_centroids: s.K,
    subvector_len: s.V,
    metric: s.metric,
    activation: s.activation,
    input: { bits: inBits, scale: inScale },
    output,
    table,
    tensors: tensorRefs,
  };
  if (s.hashTree) {
    const tree = randomHashTree(s, s.hashTree, inBits, inScale, t);
    manifest.encoder = { kind: 'hash_tree', depth: s.hashTree.depth };
    const refs: Record<string, string> = { ...tensorRefs, ...tree.refs };
    const keep = s.hashTree.centroids || s.source === 'weight';
    if (!keep) delete refs.centroids;
    manifest.tensors = refs;
    return { manifest, tensors: [...tensors.filter((x) => keep || x.name !== t('centroids')), ...tree.tensors], output };
  }
  return { manifest, tensors, output };
}

/**
 * The tensors of a random hash tree: split columns inside each codebook, thresholds on the input
 * grid (ties), random, or beyond the range (the learner's float32 maximum included), and per-level
 * offsets and scales. Every value is a float32 (as stored), so an on-grid threshold stays exact.
 */
function randomHashTree(s: RandomLayerSpec, h: HashTreeSpec, bits: number, inScale: number, t: (k: string) => string) {
  if (s.K !== 2 ** h.depth) throw new RangeError(`hash tree of depth ${h.depth} needs K = ${2 ** h.depth}, not ${s.K}`);
  const rng = new Rng(s.seed ^ 0x7ee5eed);
  const { C, V } = s;
  const d = h.depth;
  const nodes = 2 ** d - 1;
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  const dims = Int32Array.from({ length: C * d }, (_, i) => Math.floor(i / d) * V + rng.int(0, V - 1));
  const offsets = new Float64Array(C * d);
  const scales = new Float64Array(C * d).fill(1);
  for (let i = 0; i < C * d; i++) {
    if (h.affine === 'grid') {
      offsets[i] = rng.int(-3, 3) * inScale;
      scales[i] = 2 ** rng.int(-2, 2);
    } else if (h.affine === 'random') {
      offsets[i] = Math.fround(rng.normal() * 4 * inScale);
      scales[i] = Math.fround(0.25 + rng.next() * 3);
    }
  }
  const thresholds = new Float64Array(C * nodes);
  for (let c = 0; c < C; c++) {
    for (let l = 0; l < d; l++) {
      const o = offsets[c * d + l];
      const sigma = scales[c * d + l];
      for (let n = 0; n < 2 ** l; n++) {
        const r = rng.next();
        let x: number;
        if (r < h.extremes) {
          const e = rng.int(0, 5);
          // In input units before offset and scale, then through them: (q·s − o)·σ.
          const q = [NaN, NaN, 1e6, -1e6, lo - 1, hi][e];
          x = e === 0 ? FLOAT32_MAX : e === 1 ? -FLOAT32_MAX : (q * inScale - o) * sigma;
        } else if (r < h.extremes + h.onGrid) {
          x = (rng.int(lo, hi) * inScale - o) * sigma;
        } else {
          x = (rng.int(lo, hi) + rng.next()) * inScale * sigma - o * sigma;
        }
        thresholds[c * nodes + 2 ** l - 1 + n] = Math.fround(x);
      }
    }
  }
  const tensors: TensorInput[] = [
    { name: t('split_dims'), dtype: 'I32', shape: [C, d], data: dims },
    { name: t('thresholds'), dtype: 'F32', shape: [C, nodes], data: thresholds },
  ];
  const refs: Record<string, string> = { split_dims: t('split_dims'), thresholds: t('thresholds') };
  if (h.affine !== 'none') {
    tensors.push({ name: t('split_offsets'), dtype: 'F32', shape: [C, d], data: offsets }, { name: t('split_scales'), dtype: 'F32', shape: [C, d], data: scales });
    refs.split_offsets = t('split_offsets');
    refs.split_scales = t('split_scales');
  }
  return { tensors, refs };
}

/** hw.yaml text for a spec's knobs (top level). */
export function hwConfigYaml(s: RandomLayerSpec): string {
  return stringify({
    codebooks_per_cycle: s.codebooksPerCycle === 'all' ? undefined : s.codebooksPerCycle,
    outputs_per_cycle: s.outputsPerCycle === 'all' ? undefined : s.outputsPerCycle,
    tree_levels_per_stage: s.treeLevelsPerStage,
    pipeline: s.pipeline === 'max' ? 'max' : undefined,
    memory_style: s.memoryStyle,
    index_buffer: s.indexBuffer,
    reset: s.reset,
  });
}

/** Writes the artifact (model.json + model.safetensors) and hw.yaml for a spec; returns their paths. */
export async function writeRandomLayer(dir: string, s: RandomLayerSpec): Promise<{ model: string; config: string }> {
  const layer = buildRandomLayer(s, 'l');
  const manifest = { format: 'lutnn-artifact', format_version: 1, name: 'rnd', tensors: 'model.safetensors', layers: [layer.manifest] };
  await mkdir(dir, { recursive: true });
  const model = await writeArtifact(dir, manifest, layer.tensors);
  const config = join(dir, 'hw.yaml');
  await writeFile(config, hwConfigYaml(s));
  return { model, config };
}
