/**
 * Planner of a closest-centroid-search encoder: the exact distance range (and so the datapath
 * width) for each metric, the argmin comparator-tree pipeline, latency and the centroid ROM.
 *
 * l2 is computed as e_k = ||p_k||² − 2·a·p_k. It differs from ||a − p_k||² by ||a||², which is the
 * same for every k, so the argmin (and every tie) is bit-for-bit identical, while the hardware needs
 * only multiplications by constants instead of V·K squarers.
 */
import type { Metric } from '../../artifact/types.ts';
import { LutnnError } from '../../errors.ts';
import { indexBits, MAX_EXACT_BITS, scaleInterval, signedBitsFor, signedMax, signedMin, unsignedBitsFor } from '../../numeric/fixed.ts';
import { quantizeCentroids } from '../../plan/table.ts';
import type { EncoderPlanContext, EncoderReloadContext } from '../registry.ts';
import { CCS_BROADCAST_STAGES, maxPipelineDistanceStages } from './pipeline.ts';
import type { CcsPlan } from './types.ts';

/**
 * ||p||² for every centroid of (C·K, V). Float64Array, not Int32Array: with 16-bit inputs a norm
 * reaches V·2^30 (8·2^30 = 2^33 for V = 8), which an Int32Array would silently wrap; float64
 * integers are exact to 2^53, and planDistance refuses widths beyond that.
 */
export function centroidNorms(centroids: Int32Array, count: number, V: number): Float64Array {
  const norms = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let v = 0; v < V; v++) s += centroids[i * V + v] ** 2;
    norms[i] = s;
  }
  return norms;
}

/** Range of the distance of one centroid over every input sub-vector in [amin, amax]^V. */
function centroidDistanceRange(metric: Metric, p: ArrayLike<number>, norm: number, amin: number, amax: number): [number, number] {
  let lo = 0;
  let hi = 0;
  for (let v = 0; v < p.length; v++) {
    const pv = p[v];
    if (metric === 'l2') {
      const [plo, phi] = scaleInterval(amin, amax, pv);
      lo += plo;
      hi += phi;
    } else {
      const worst = Math.max(Math.abs(amin - pv), Math.abs(amax - pv));
      hi = metric === 'l1' ? hi + worst : Math.max(hi, worst);
    }
  }
  // l2: e = ||p||² − 2·(a·p); the dot range [lo, hi] maps to [norm − 2hi, norm − 2lo].
  return metric === 'l2' ? [norm - 2 * hi, norm - 2 * lo] : [0, hi];
}

export interface DistancePlan {
  range: [number, number];
  width: number;
  norms: Float64Array;
  normWidth: number;
}

/** Distance range and width over all centroids of a layer for `bits`-wide signed inputs. */
export function planDistance(metric: Metric, centroids: Int32Array, count: number, V: number, bits: number, where: { file?: string; layer?: string } = {}): DistancePlan {
  const norms = metric === 'l2' ? centroidNorms(centroids, count, V) : new Float64Array(count);
  const amin = signedMin(bits);
  const amax = signedMax(bits);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const [a, b] = centroidDistanceRange(metric, centroids.subarray(i * V, (i + 1) * V), norms[i], amin, amax);
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  let maxNorm = 0;
  for (const n of norms) maxNorm = Math.max(maxNorm, n);
  // The datapath also carries the inputs, the centroid coordinates and the norms as operands of
  // that width (with all-zero centroids the distances alone would fit in one bit).
  lo = Math.min(lo, amin);
  hi = Math.max(hi, amax);
  for (const p of centroids) {
    lo = Math.min(lo, p);
    hi = Math.max(hi, p);
  }
  hi = Math.max(hi, maxNorm);
  const width = signedBitsFor(lo, hi);
  if (width > MAX_EXACT_BITS) {
    throw new LutnnError(`The closest-centroid distances${where.layer ? ` of layer "${where.layer}"` : ''} would need ${width} bits.`, {
      file: where.file,
      field: `${where.layer ? `layers.${where.layer}.` : ''}input.bits, subvector_len`,
      expected: `distances within ${MAX_EXACT_BITS} bits (the golden model's exact integer range)`,
      found: `${bits}-bit inputs, V = ${V}, ${metric}: range [${lo}, ${hi}]`,
    });
  }
  return { range: [lo, hi], width, norms, normWidth: unsignedBitsFor(maxNorm) };
}

/** Argmin comparator tree: depth ceil(log2 K); registers after every `levelsPerStage` levels and after the last. */
export function planTree(K: number, levelsPerStage: number): { depth: number; registeredLevels: number[] } {
  const depth = Math.max(1, Math.ceil(Math.log2(K)));
  const registeredLevels: number[] = [];
  for (let level = 1; level <= depth; level++) {
    if (level % levelsPerStage === 0 || level === depth) registeredLevels.push(level);
  }
  return { depth, registeredLevels };
}

/**
 * The two centroids whose distances span every B-bit centroid's (V coordinates all at the input
 * minimum, all at the maximum): per coordinate, an l2 term p² − 2·a·p is convex in p and linear in
 * a, so its extremes over the box lie at corners, its minimum −a_min² at p = a = a_min, its maximum
 * at p = a_min, a = a_max; an l1 / linf term |a − p| is largest at opposite corners; the largest
 * norm is V·a_min². A writable centroid RAM's datapath is planned over these, so that any centroids
 * a loaded model brings fit its widths.
 */
export function worstCaseCentroids(V: number, bits: number): Int32Array {
  const out = new Int32Array(2 * V);
  out.fill(signedMin(bits), 0, V);
  out.fill(signedMax(bits), V);
  return out;
}

/**
 * A loaded model's closest-centroid search in this hardware: the same metric (the datapath is built
 * for it); other centroids where they are in the writable centroid RAM (E > 1, table_storage: ram),
 * else the design's, since with E = 1 the constant-centroid datapaths are built for them.
 */
export function reloadCcs(ctx: EncoderReloadContext<CcsPlan, { kind: 'ccs' }>): CcsPlan {
  const { layer, encoder: ccs, loaded, file } = ctx;
  const field = (f: string) => `layers.${loaded.name}.${f}`;
  if (loaded.metric !== ccs.metric) {
    throw new LutnnError(`Layer "${loaded.name}" cannot be loaded into the design: the metric differs.`, { file, field: field('metric'), expected: `${ccs.metric} (what the design was generated for)`, found: loaded.metric });
  }
  const centroids = quantizeCentroids(loaded);
  if (ccs.stepRom?.writable) {
    const { C, K, V } = layer.dims;
    const B = layer.input.bits;
    const out = centroids.findIndex((p) => p < signedMin(B) || p > signedMax(B));
    if (out >= 0) {
      throw new LutnnError(`Layer "${loaded.name}" cannot be loaded into the design: a centroid is outside the input range.`, { file, field: field('centroids'), expected: `input-grid integers in INT${B} [${signedMin(B)}, ${signedMax(B)}] (the centroid RAM's coordinate width)`, found: `${centroids[out]} at flat index ${out}` });
    }
    return { ...ccs, centroids, norms: centroidNorms(centroids, C * K, V) };
  }
  const why = 'with one encode step (E = 1) the centroids are constants of the distance datapaths (codebooks_per_cycle below num_codebooks puts them in a writable centroid RAM)';
  const at = ccs.centroids.findIndex((v, i) => v !== centroids[i]);
  if (at >= 0) {
    throw new LutnnError(`Layer "${loaded.name}" cannot be loaded into the design: its centroids differ, and ${why}.`, { file, field: field('centroids'), expected: `the design's centroids (input-grid integer ${ccs.centroids[at]} at flat index ${at})`, found: String(centroids[at]) });
  }
  return ccs;
}

/** The CCS of a lut_linear layer: centroids, distance widths, argmin tree, pipeline, latency, centroid ROM. */
export function planCcs(ctx: EncoderPlanContext<{ kind: 'ccs' }>): CcsPlan {
  const { layer, hw, prefix, file, lanes: Pc, steps: E } = ctx;
  const { numCodebooks: C, numCentroids: K, subvectorLen: V, metric } = layer;
  const B = layer.input.bits;
  const centroids = quantizeCentroids(layer);
  const centroidStorage = E === 1 ? 'constant' : 'rom';
  // table_storage: ram makes the centroid ROM writable (plan/lut-linear.ts), so its widths must
  // hold any B-bit centroids, not only these.
  const writable = centroidStorage === 'rom' && hw.tableStorage === 'ram';
  // The norms are these centroids'; the range and widths, with a writable RAM, the corners' (which
  // bound every centroid set's: test/encoders/ccs/plan.test.ts).
  const own = planDistance(metric, centroids, C * K, V, B, { file, layer: layer.name });
  const bounds = writable ? planDistance(metric, worstCaseCentroids(V, B), 2, V, B, { file, layer: layer.name }) : own;
  const dist = { ...bounds, norms: own.norms };
  const maxPipe = hw.pipeline === 'max';
  const tree = planTree(K, maxPipe ? 1 : hw.treeLevelsPerStage);
  // Standard: the distance is computed in one cycle into its register. Max: a registered tree.
  const distanceStages = maxPipe ? maxPipelineDistanceStages(metric, V, B, dist.width, centroidStorage === 'constant' ? centroids : null, dist.norms, C * K) : 1;
  // Tree registers; with max pipelining each level is a compare stage and a select stage, and
  // the input is first registered, then broadcast to the distances through a two-level register tree (pipeline.ts).
  const latency = (maxPipe ? CCS_BROADCAST_STAGES : 0) + distanceStages + (maxPipe ? 2 : 1) * tree.registeredLevels.length;
  // A centroid-ROM word: per lane and centroid, the V coordinates and (l2) the norm.
  const entryWidth = V * B + (metric === 'l2' ? dist.normWidth : 0);
  return {
    kind: 'ccs',
    module: `${prefix}_ccs`,
    indexWidth: indexBits(K),
    latency,
    stepRom:
      centroidStorage === 'rom'
        ? { module: `${prefix}_centroid_rom`, width: Pc * K * entryWidth, depth: E, addressWidth: indexBits(E), file: `${prefix}_centroids.memh`, address: 'next-step', writable: false, style: 'distributed' }
        : null,
    metric,
    centroidStorage,
    centroids,
    norms: dist.norms,
    normWidth: dist.normWidth,
    distanceWidth: dist.width,
    distanceRange: dist.range,
    treeDepth: tree.depth,
    treeRegisteredLevels: tree.registeredLevels,
    pipeline: maxPipe ? 'max' : 'standard',
    distanceStages,
    distanceModule: `${prefix}_ccs_dist`,
    fanoutModule: `${prefix}_ccs_fanout`,
  };
}
