/**
 * Dense MLP + calibration data → LUT-NN artifact (format v1), the way LUT-NN initialises a model:
 * per layer, split inputs into C = D/V sub-vectors, learn K centroids per codebook with seeded
 * k-means++ on calibration activations, store LUT-NN's `weight (C, V, M)` so the tool builds and
 * quantizes the tables exactly as LUT-NN does, and take scales from calibration ranges.
 *
 * Each layer is calibrated on the activations the LUT-NN model itself produces (previous layers
 * already replaced), so errors do not silently compound. Optional refinement (as eLUT-NN
 * calibrates) moves centroids to reduce the layer's output reconstruction error ||Â·W − A·W||².
 */
import { artifactManifest, avgPool2dLayer, calibratedScale, lutConv2dLayer, lutLinearLayer, maxPool2dLayer } from '../artifact/build.ts';
import type { TensorInput } from '../artifact/safetensors.ts';
import { LutnnError } from '../errors.ts';
import { denseStageForward, isDensePool, stageInputs, stageOutputs, unfoldFrames, type DenseLayer, type DenseModel } from './dense.ts';
import { kmeans } from './kmeans.ts';
import { importedLayerForward, nearestCentroids, type ImportedLayer } from '../import/imported.ts';
import { learnHashTrees } from './maddness.ts';
import { maxAbs } from '../util/arrays.ts';

export interface ConvertOptions {
  /** Model name in the artifact (identifier). */
  name: string;
  /** Sub-vector length V (must divide every layer's input size, a convolution's patch). */
  subvectorLen: number;
  /** V of named layers, overriding subvectorLen (a 3×3 convolution's patch of 9 and a classifier's 784 share no V but 1). */
  layerSubvectorLen?: Record<string, number>;
  /** Centroids per codebook K. */
  centroids: number;
  /** Bits of inputs, outputs and tables. */
  bits: number;
  seed: number;
  /** Calibration rows used for k-means and refinement (the first ones). */
  calibrationRows: number;
  /** Centroid-refinement iterations per layer (0: plain k-means; closest-centroid encoder only). */
  refineIterations: number;
  /** The encoder learned per layer: closest-centroid search (k-means) or MADDNESS hash trees (K = 2^depth). */
  encoder: 'ccs' | 'hash-tree';
  /** Hash trees: λ of MADDNESS's ridge refinement of the table against A·W (0: the bucket means' table P·W). */
  ridge: number;
}

export const DEFAULT_CONVERT: Omit<ConvertOptions, 'name'> = { subvectorLen: 4, centroids: 16, bits: 8, seed: 1, calibrationRows: 4096, refineIterations: 0, encoder: 'ccs', ridge: 0 };

export interface LayerConversionReport {
  name: string;
  C: number;
  /** Mean squared output reconstruction error ||Â·W − A·W||² / (rows·M), before and after refinement. */
  reconstructionError: { kmeans: number; refined: number };
  inputScale: number;
  outputScale: number;
}

export interface Conversion {
  manifest: Record<string, unknown>;
  tensors: TensorInput[];
  report: LayerConversionReport[];
}

/** Nearest centroid (squared L2, ties → lowest) of every sub-vector: n×C indices. */
function assign(a: Float64Array, n: number, D: number, V: number, K: number, P: Float64Array): Int32Array {
  return nearestCentroids(a, n, D / V, K, V, P);
}

/** (Â − A) for the rows: the reconstruction error of the inputs, n×D. */
function inputError(a: Float64Array, n: number, D: number, V: number, K: number, P: Float64Array, idx: Int32Array): Float64Array {
  const C = D / V;
  const e = new Float64Array(n * D);
  for (let r = 0; r < n; r++) for (let c = 0; c < C; c++) for (let v = 0; v < V; v++) e[r * D + c * V + v] = P[(c * K + idx[r * C + c]) * V + v] - a[r * D + c * V + v];
  return e;
}

/** X (n×D) · W (D×M). */
function matmul(x: Float64Array, n: number, W: Float64Array, D: number, M: number): Float64Array {
  const y = new Float64Array(n * M);
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < D; d++) {
      const xv = x[r * D + d];
      if (xv === 0) continue;
      for (let m = 0; m < M; m++) y[r * M + m] += xv * W[d * M + m];
    }
  }
  return y;
}

function meanSquare(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return s / x.length;
}

/** Output reconstruction loss with the encoder's assignment (nearest centroid unless `idx` is given), as the hardware encodes. */
function reconstructionLoss(layer: DenseLayer, a: Float64Array, n: number, V: number, K: number, P: Float64Array, codes?: Int32Array): number {
  const idx = codes ?? assign(a, n, layer.inFeatures, V, K, P);
  return meanSquare(matmul(inputError(a, n, layer.inFeatures, V, K, P, idx), n, layer.weight, layer.inFeatures, layer.outFeatures));
}

/**
 * Gradient steps on the centroids against ||(Â − A)·W||² with assignments held, then reassigned to
 * the nearest centroid; a step is kept only if the loss with the new assignment is lower.
 */
function refineCentroids(layer: DenseLayer, a: Float64Array, n: number, V: number, K: number, P: Float64Array, iterations: number): Float64Array {
  const { inFeatures: D, outFeatures: M, weight: W } = layer;
  const C = D / V;
  let best = P;
  let bestLoss = reconstructionLoss(layer, a, n, V, K, P);
  let lr = 1;
  for (let it = 0; it < iterations; it++) {
    const idx = assign(a, n, D, V, K, best);
    const err = matmul(inputError(a, n, D, V, K, best, idx), n, W, D, M); // n×M
    // dL/dÂ = err·Wᵀ (n×D), summed into the centroid each row was assigned.
    const grad = new Float64Array(best.length);
    const count = new Float64Array(C * K);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < C; c++) {
        const k = idx[r * C + c];
        count[c * K + k] += 1;
        for (let v = 0; v < V; v++) {
          const d = c * V + v;
          let g = 0;
          for (let m = 0; m < M; m++) g += err[r * M + m] * W[d * M + m];
          grad[(c * K + k) * V + v] += g;
        }
      }
    }
    // Normalise by cluster size and the weight's energy so one learning rate suits every layer.
    let wEnergy = 0;
    for (const w of W) wEnergy += w * w;
    const scale = D / Math.max(wEnergy, 1e-12);
    let improved = false;
    for (let attempt = 0; attempt < 4 && !improved; attempt++) {
      const cand = Float64Array.from(best);
      for (let i = 0; i < cand.length; i++) {
        const cnt = count[Math.floor(i / V)];
        if (cnt > 0) cand[i] -= (lr * scale * grad[i]) / cnt;
      }
      const loss = reconstructionLoss(layer, a, n, V, K, cand);
      if (loss < bestLoss) {
        best = cand;
        bestLoss = loss;
        improved = true;
      } else {
        lr /= 2;
      }
    }
    if (!improved) break;
  }
  return best;
}

/**
 * One layer's encoder and table learned from its calibration activations: k-means centroids (with
 * optional output-error refinement), or MADDNESS hash trees (bucket-mean prototypes, optionally a
 * ridge-refined table).
 */
function learnLayer(layer: DenseLayer, sample: Float64Array, n: number, V: number, opts: ConvertOptions): { imported: ImportedLayer; before: number; after: number } {
  const { centroids: K } = opts;
  const D = layer.inFeatures;
  const C = D / V;
  const base = { name: layer.name, C, K, V, M: layer.outFeatures, bias: layer.bias, activation: layer.activation };
  if (opts.encoder === 'hash-tree') {
    const depth = Math.log2(K);
    if (!Number.isInteger(depth) || depth < 1 || depth > 8) {
      throw new LutnnError('A hash tree has 2^depth leaves.', { field: '-K, --centroids', expected: 'a power of two from 2 to 256 with --encoder hash-tree', found: String(K) });
    }
    const trees = learnHashTrees(sample, n, D, { codebooks: C, depth, seed: opts.seed, ridge: opts.ridge > 0 ? opts.ridge : undefined, W: opts.ridge > 0 ? layer.weight : undefined, M: layer.outFeatures });
    const before = reconstructionLoss(layer, sample, n, V, K, trees.prototypes, trees.codes);
    const lut = trees.refinement?.lut;
    const imported: ImportedLayer = {
      ...base,
      encoder: { kind: 'hash_tree', depth, splitDims: trees.splitDims, thresholds: trees.thresholds },
      centroids: trees.prototypes,
      table: lut ? { kind: 'float', lut } : { kind: 'weight', weight: layer.weight },
    };
    // The refined table's error against A·W, per row and output (the bucket means' error before).
    const after = trees.refinement ? trees.refinement.errorAfter / (n * layer.outFeatures) : before;
    return { imported, before, after };
  }
  let P: Float64Array = new Float64Array(C * K * V);
  const sub = new Float64Array(n * V);
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < n; r++) for (let v = 0; v < V; v++) sub[r * V + v] = sample[r * D + c * V + v];
    P.set(kmeans(sub, n, V, { k: K, seed: opts.seed * 7919 + c }), c * K * V);
  }
  const before = reconstructionLoss(layer, sample, n, V, K, P);
  if (opts.refineIterations > 0) P = refineCentroids(layer, sample, n, V, K, P, opts.refineIterations);
  const after = opts.refineIterations > 0 ? reconstructionLoss(layer, sample, n, V, K, P) : before;
  return { imported: { ...base, encoder: { kind: 'ccs' }, centroids: P, table: { kind: 'weight', weight: layer.weight } }, before, after };
}

export function convertDense(model: DenseModel, calib: Float64Array, rows: number, opts: ConvertOptions, onLayer?: (name: string) => void): Conversion {
  const { centroids: K, bits } = opts;
  const first = model.layers[0];
  const named = new Set(model.layers.flatMap((l) => (isDensePool(l) ? [] : [l.name])));
  const stray = Object.keys(opts.layerSubvectorLen ?? {}).find((n) => !named.has(n));
  if (stray !== undefined) throw new LutnnError(`--subvector-len names a layer the model does not have.`, { file: model.source, field: '--subvector-len', expected: `LUT layer names: ${[...named].join(', ')}`, found: JSON.stringify(stray) });
  const usedV: number[] = [];
  const inputs = stageInputs(first);
  if (calib.length !== rows * inputs) {
    throw new LutnnError('Calibration data has the wrong shape.', { expected: `rows × ${inputs} (the input ${isDensePool(first) || first.conv ? 'image' : 'size'} of "${first.name}")`, found: `${calib.length} values for ${rows} rows` });
  }

  const manifestLayers: Record<string, unknown>[] = [];
  const tensors: TensorInput[] = [];
  const report: LayerConversionReport[] = [];
  let acts = calib;
  let inScale = calibratedScale(maxAbs(calib), bits, { file: model.source, stream: 'the input' });
  for (const layer of model.layers) {
    onLayer?.(layer.name);
    if (isDensePool(layer)) {
      // A maximum and a mean keep their input's format (docs/artifact-format.md, "maxpool2d", "avgpool2d").
      manifestLayers.push((layer.kind === 'maxpool2d' ? maxPool2dLayer : avgPool2dLayer)(layer.name, layer.pool, { bits, scale: inScale }));
      acts = denseStageForward(layer, acts, rows);
      continue;
    }
    const { inFeatures: D, outFeatures: M } = layer;
    const V = opts.layerSubvectorLen?.[layer.name] ?? opts.subvectorLen;
    usedV.push(V);
    if (D % V !== 0) {
      throw new LutnnError(`Sub-vector length ${V} does not divide the input size of layer "${layer.name}".`, { file: model.source, field: `${layer.name} in_features${layer.conv ? ' (in_channels·kh·kw of the patch)' : ''}`, expected: `a multiple of ${V}`, found: String(D) });
    }
    const C = D / V;
    // A convolution learns on its patches: every patch of every calibration image is a row.
    const [patchRows, x] = layer.conv ? [rows * (stageOutputs(layer) / M), unfoldFrames(layer.conv, acts, rows)] : [rows, acts];
    if (patchRows < K) {
      throw new LutnnError('Too few calibration rows for the codebooks.', { field: `${layer.name}`, expected: `at least K = ${K} rows${layer.conv ? ' (patches: images × output pixels)' : ''}`, found: `${patchRows}` });
    }
    const n = Math.min(patchRows, opts.calibrationRows);
    const { imported, before, after } = learnLayer(layer, sampleRows(x, patchRows, D, n, layer.conv !== undefined), n, V, opts);
    // The converted layer's float forward, the importers' definition (imported.ts); a patch's
    // outputs are its pixel's channels, so the patch rows are the output frames as they stream.
    const next = importedLayerForward(imported, x, patchRows, bits);
    const outScale = calibratedScale(maxAbs(next), bits, { file: model.source, stream: `the output of "${layer.name}"` });
    const e = imported.encoder;
    // LUT-NN's layout: weight[c][v][m] = W[c·V + v][m], which is the dense (D, M) weight as stored.
    const spec = {
      name: layer.name,
      inFeatures: D,
      outFeatures: M,
      numCentroids: K,
      subvectorLen: V,
      centroids: imported.centroids!,
      weight: layer.weight,
      lut: imported.table.kind === 'float' ? imported.table.lut : undefined,
      bias: layer.bias,
      metric: e?.kind === 'hash_tree' ? undefined : ('l2' as const),
      hashTree: e?.kind === 'hash_tree' ? { depth: e.depth, splitDims: e.splitDims, thresholds: e.thresholds } : undefined,
      activation: layer.activation,
      input: { bits, scale: inScale },
      output: { bits, scale: outScale },
      tableBits: bits,
    };
    const built = layer.conv ? lutConv2dLayer(spec, layer.conv) : lutLinearLayer(spec);
    manifestLayers.push(built.layer);
    tensors.push(...built.tensors);
    report.push({ name: layer.name, C, reconstructionError: { kmeans: before, refined: after }, inputScale: inScale, outputScale: outScale });
    acts = next;
    inScale = outScale;
  }
  return {
    manifest: artifactManifest(opts.name, `converted from ${model.source} by lutnn convert (K=${K}, V=${[...new Set(usedV)].join('/')}, seed ${opts.seed})`, manifestLayers),
    tensors,
    report,
  };
}

/**
 * The rows k-means learns from: the first n (an MLP's calibration rows), or n spread evenly over
 * all of them (a convolution's patches, so every image and every part of it is seen).
 */
function sampleRows(x: Float64Array, rows: number, D: number, n: number, spread: boolean): Float64Array {
  if (!spread || n >= rows) return x.subarray(0, n * D);
  const out = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    const r = Math.floor((i * rows) / n);
    out.set(x.subarray(r * D, (r + 1) * D), i * D);
  }
  return out;
}
