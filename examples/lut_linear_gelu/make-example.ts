/**
 * Builds the bundled lut_linear → GELU example deterministically: a 16→8 LUT-NN linear layer
 * (K = 16, V = 4, k-means centroids on clustered calibration data) whose q6.10 output feeds a
 * 16-segment GELU NN-LUT unit fitted by the same code as `lutnn fit-nnlut`.
 *
 *   npx tsx examples/lut_linear_gelu/make-example.ts [outDir]
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { artifactManifest, lutLinearLayer } from '../../generator/artifact/build.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { kmeans } from '../../generator/convert/kmeans.ts';
import { fitNnlut } from '../../generator/nnlut/fit.ts';
import { NNLUT_FUNCTIONS } from '../../generator/nnlut/functions.ts';
import { fitResultJson } from '../../generator/nnlut/table-file.ts';
import { Rng } from '../../generator/util/rng.ts';

const D = 16;
const M = 8;
const V = 4;
const K = 16;
const C = D / V;
const CALIBRATION = 2048;
const SEED = 20240611;
const Q6_10 = { bits: 16, scale: 2 ** -10 };

const rng = new Rng(SEED);
const prototypes = Array.from({ length: 12 }, () => Float64Array.from({ length: D }, () => rng.normal()));
const x = new Float64Array(CALIBRATION * D);
for (let n = 0; n < CALIBRATION; n++) {
  const p = prototypes[rng.int(0, prototypes.length - 1)];
  for (let d = 0; d < D; d++) x[n * D + d] = p[d] + 0.3 * rng.normal();
}
const weight = Float64Array.from({ length: D * M }, () => (2 * rng.normal()) / Math.sqrt(D)); // (C, V, M) = W rows in order
const bias = Float64Array.from({ length: M }, () => 0.2 * rng.normal());
const centroids = new Float64Array(C * K * V);
for (let c = 0; c < C; c++) {
  const sub = new Float64Array(CALIBRATION * V);
  for (let n = 0; n < CALIBRATION; n++) for (let v = 0; v < V; v++) sub[n * V + v] = x[n * D + c * V + v];
  centroids.set(kmeans(sub, CALIBRATION, V, { k: K, seed: SEED + c }), c * K * V);
}
let xMax = 0;
for (const v of x) xMax = Math.max(xMax, Math.abs(v));

const gelu = fitNnlut({ fn: NNLUT_FUNCTIONS.gelu, segments: 16, range: [-8, 8], input: Q6_10, output: Q6_10, seed: 1 });

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
  input: { bits: 8, scale: Math.fround(xMax / 127) },
  output: Q6_10,
  tableBits: 8,
});
const manifest = artifactManifest(
  'lingelu',
  `16->8 LUT-NN linear (C=${C}, K=${K}, V=${V}) then GELU as a 16-segment NN-LUT unit; made by make-example.ts, seed ${SEED}`,
  [
    fc1.layer,
    {
      name: 'gelu',
      kind: 'nnlut',
      features: M,
      function: 'gelu',
      input: Q6_10,
      output: Q6_10,
      range_reduction: gelu.rangeReduction,
      coefficient_bits: gelu.coefficientBits,
      breakpoints: gelu.table.breakpoints,
      slopes: gelu.table.slopes,
      intercepts: gelu.table.intercepts,
    },
  ],
);
const path = await writeArtifact(outDir, manifest, fc1.tensors);
await writeFile(join(outDir, 'gelu16.json'), `${JSON.stringify(fitResultJson(gelu, 'npx lutnn fit-nnlut --fn gelu --segments 16 --range -8,8 --in-format q6.10 --out-format q6.10 --seed 1 -o gelu16.json'), null, 2)}\n`);
console.log(`wrote ${path}, ${join(outDir, 'model.safetensors')} and ${join(outDir, 'gelu16.json')}`);
