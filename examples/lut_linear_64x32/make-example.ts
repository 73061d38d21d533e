/**
 * Builds the bundled example artifact deterministically: a 64→32 linear layer with ReLU, turned
 * into a LUT-NN layer the way LUT-NN initialises one (vanilla PQ, K = 16, V = 4, k-means on
 * calibration data), stored in LUT-NN's own form (centroids, weight (C, V, M), bias).
 *
 *   npx tsx examples/lut_linear_64x32/make-example.ts [outDir]
 *
 * The input distribution is a mixture of clusters, like the activations of a trained network,
 * so the product quantizer has structure to find. Scales come from calibration ranges.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactManifest, lutLinearLayer } from '../../generator/artifact/build.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { kmeans } from '../../generator/convert/kmeans.ts';
import { Rng } from '../../generator/util/rng.ts';

const D = 64;
const M = 32;
const V = 4;
const K = 16;
const C = D / V;
const CALIBRATION = 4096;
const SEED = 20231101;

const rng = new Rng(SEED);

// Calibration activations: 24 prototype patterns plus noise.
const prototypes = Array.from({ length: 24 }, () => Float64Array.from({ length: D }, () => rng.normal() * 1.2));
const x = new Float64Array(CALIBRATION * D);
for (let n = 0; n < CALIBRATION; n++) {
  const p = prototypes[rng.int(0, prototypes.length - 1)];
  for (let d = 0; d < D; d++) x[n * D + d] = p[d] + 0.35 * rng.normal();
}

// The dense layer being replaced: y = x·W + b.
const w = Float64Array.from({ length: D * M }, () => rng.normal() / Math.sqrt(D));
const bias = Float64Array.from({ length: M }, () => 0.1 * rng.normal());

// Vanilla PQ: k-means per codebook on the calibration sub-vectors.
const centroids = new Float64Array(C * K * V);
for (let c = 0; c < C; c++) {
  const sub = new Float64Array(CALIBRATION * V);
  for (let n = 0; n < CALIBRATION; n++) for (let v = 0; v < V; v++) sub[n * V + v] = x[n * D + c * V + v];
  centroids.set(kmeans(sub, CALIBRATION, V, { k: K, seed: SEED + c }), c * K * V);
}

// LUT-NN stores the weight per codebook: weight[c][v][m] = W[c·V + v][m].
const weight = new Float64Array(C * V * M);
for (let c = 0; c < C; c++) for (let v = 0; v < V; v++) for (let m = 0; m < M; m++) weight[(c * V + v) * M + m] = w[(c * V + v) * M + m];

// Scales from calibration ranges (symmetric, INT8).
let xMax = 0;
for (const v of x) xMax = Math.max(xMax, Math.abs(v));
let yMax = 0;
for (let n = 0; n < CALIBRATION; n++) {
  for (let m = 0; m < M; m++) {
    let y = bias[m];
    for (let d = 0; d < D; d++) y += x[n * D + d] * w[d * M + m];
    yMax = Math.max(yMax, Math.max(0, y)); // after ReLU only the positive range matters
  }
}

const outDir = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
const fc1 = lutLinearLayer({
  name: 'fc1',
  inFeatures: D,
  outFeatures: M,
  numCentroids: K,
  subvectorLen: V,
  centroids,
  weight,
  bias,
  metric: 'l2',
  activation: 'relu',
  input: { bits: 8, scale: Math.fround(xMax / 127) },
  output: { bits: 8, scale: Math.fround(yMax / 127) },
  tableBits: 8,
});
const manifest = artifactManifest('example', `64->32 linear + ReLU as LUT-NN (C=${C}, K=${K}, V=${V}); made by make-example.ts, seed ${SEED}`, [fc1.layer]);
const path = await writeArtifact(outDir, manifest, fc1.tensors);
console.log(`wrote ${path} and ${join(outDir, 'model.safetensors')}`);
