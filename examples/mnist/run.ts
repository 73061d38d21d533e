/**
 * MNIST end to end on real digits (npm run mnist):
 *   1. train a float MLP 784→128→64→10 on the training split (deterministic, seeded);
 *   2. save it as a PyTorch-style safetensors state dict plus calibration inputs (.npy);
 *   3. `lutnn convert` it to LUT-NN with each encoder at the same K = 16, V = 2: closest-centroid
 *      search (k-means PQ, 5 refinement steps) with l2 and with l1, MADDNESS hash trees (depth 4),
 *      with and without the ridge-refined table; LUT-NN INT8 tables;
 *   4. `lutnn gen-rtl` the whole model (examples/mnist/hw.yaml);
 *   5. run all 10,000 digits through the Verilator model and the golden model.
 * Prints float, LUT-NN float, golden and RTL accuracy (test split and all digits) per encoder, checks
 * golden and RTL agree digit for digit, and writes examples/mnist/RESULTS.md.
 *
 *   npm run mnist [-- --epochs 5 --refine 5 --subvector-len 2 --encoders ccs-l2,hash-tree]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dump as dumpNpy } from 'npyjs';
import { writeSafetensors } from '../../generator/artifact/safetensors.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { denseForward } from '../../generator/convert/dense.ts';
import { loadDenseModel } from '../../generator/convert/load-dense.ts';
import { readNpy } from '../../generator/convert/numpy.ts';
import { convertDense, DEFAULT_CONVERT } from '../../generator/convert/pq.ts';
import { writeArtifactAtomically } from '../../generator/convert/write-artifact.ts';
import { loadMnist, PIXELS } from '../../generator/datasets/mnist.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { runDesign } from '../../generator/golden/design.ts';
import { floatArtifact } from '../../generator/golden/float-reference.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { accuracy, quantizeInputs } from '../../tb/datasets.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { trainMlp } from './train.ts';

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '5' }, refine: { type: 'string', default: '5' }, 'subvector-len': { type: 'string', default: '2' }, seed: { type: 'string', default: '1' }, encoders: { type: 'string', default: 'ccs-l2,ccs-l1,hash-tree,hash-tree-ridge' } },
});
const encoders = args.encoders!.split(',');
const epochs = Number(args.epochs);
const refine = Number(args.refine);
const subvectorLen = Number(args['subvector-len']);
const seed = Number(args.seed);

const work = join(PROJECT_ROOT, 'rtl-out', 'mnist-work');
const t = () => `[${((performance.now() - t0) / 1000).toFixed(1)}s]`;
const t0 = performance.now();
await mkdir(work, { recursive: true });

const data = loadMnist();
console.error(`${t()} ${data.train.count} training and ${data.test.count} test digits`);

// 1–2. Train and save like a PyTorch user would: fc*.weight (out, in), fc*.bias, calibration .npy.
const dense = trainMlp(data.train, { hidden: [128, 64], epochs, batch: 32, learningRate: 1e-3, seed, onEpoch: (e, loss) => console.error(`${t()} epoch ${e + 1}/${epochs} loss ${loss.toFixed(4)}`) });
const stateDict = dense.layers.flatMap((l) => {
  const w = new Float64Array(l.outFeatures * l.inFeatures);
  for (let d = 0; d < l.inFeatures; d++) for (let m = 0; m < l.outFeatures; m++) w[m * l.inFeatures + d] = l.weight[d * l.outFeatures + m];
  return [
    { name: `${l.name}.weight`, dtype: 'F32' as const, shape: [l.outFeatures, l.inFeatures], data: w },
    { name: `${l.name}.bias`, dtype: 'F32' as const, shape: [l.outFeatures], data: l.bias },
  ];
});
const densePath = join(work, 'mlp.safetensors');
await writeSafetensors(densePath, stateDict);
const calibRows = 4096;
const calibPath = join(work, 'calib.npy');
await writeFile(calibPath, Buffer.from(dumpNpy(Float32Array.from(data.train.images.subarray(0, calibRows * PIXELS)), [calibRows, PIXELS])));

// 3–5. Per encoder: convert (the code path of `lutnn convert`), generate RTL, run every digit through
// Verilator (random input gaps and back-pressure) and the golden model.
interface Variant {
  label: string;
  what: string;
  encoder: 'ccs' | 'hash-tree';
  metric?: 'l1';
  refine: number;
  ridge: number;
}
const allVariants: Variant[] = [
  { label: 'ccs-l2', what: `closest-centroid search, l2 (k-means, ${refine} refinement steps)`, encoder: 'ccs', refine, ridge: 0 },
  { label: 'ccs-l1', what: 'closest-centroid search, l1 (the same centroids)', encoder: 'ccs', metric: 'l1', refine, ridge: 0 },
  { label: 'hash-tree', what: 'MADDNESS hash tree, depth 4 (bucket means)', encoder: 'hash-tree', refine: 0, ridge: 0 },
  { label: 'hash-tree-ridge', what: 'MADDNESS hash tree, depth 4, ridge-refined table (λ = 1)', encoder: 'hash-tree', refine: 0, ridge: 1 },
];
const variants = allVariants.filter((v) => encoders.includes(v.label));

const reloaded = await loadDenseModel(densePath);
const calib = await readNpy(calibPath);
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const test = data.test;
const all = data.all;
const floatLogits = denseForward(dense, all.images, all.count);
const testFloat = denseForward(dense, test.images, test.count);
const rows = [['float MLP (784→128→64→10)', pct(accuracy(testFloat, test.labels, 10)), pct(accuracy(floatLogits, all.labels, 10)), '', '']];
const summary: string[] = [];
let allIdentical = true;
for (const v of variants) {
  const conversion = convertDense(reloaded, calib.data, calib.shape[0], { ...DEFAULT_CONVERT, name: 'mnist', subvectorLen, refineIterations: v.refine, encoder: v.encoder, ridge: v.ridge, seed }, (l) => console.error(`${t()} ${v.label}: converting ${l}`));
  if (v.metric) for (const l of conversion.manifest.layers as { metric?: string }[]) l.metric = v.metric;
  const artifactDir = join(work, `mnist_${v.label.replace(/-/g, '_')}`);
  await writeArtifactAtomically(artifactDir, conversion.manifest, conversion.tensors);
  const rtl = join(PROJECT_ROOT, 'rtl-out', v.label === 'ccs-l2' ? 'mnist' : `mnist-${v.label}`);
  const { plan } = await genRtl({ model: join(artifactDir, 'model.json'), config: join(PROJECT_ROOT, 'examples', 'mnist', 'hw.yaml'), out: rtl });
  console.error(`${t()} ${v.label}: RTL latency ${plan.timing.latency} cycles, one digit every ${plan.timing.initiationInterval} cycles`);
  const simStart = performance.now();
  const report = await verifyDesign(rtl, { vectors: all.count, seed, inputs: quantizeInputs(plan, all.images), onStage: (s) => console.error(`${t()} ${v.label}: ${s}`) });
  const simSeconds = (performance.now() - simStart) / 1000 - report.build.buildSeconds;
  const artifact = await loadArtifact(join(artifactDir, 'model.json'));
  const reference = checkGoldenAgainstArtifact(plan, artifact, quantizeInputs(plan, test.images));
  const lutFloat = floatArtifact(artifact);
  const lutLogits = new Float64Array(all.count * 10);
  for (let n = 0; n < all.count; n++) lutLogits.set(lutFloat.run(all.images.subarray(n * PIXELS, (n + 1) * PIXELS)), n * 10);
  const testLut = new Float64Array(test.count * 10);
  for (let n = 0; n < test.count; n++) testLut.set(lutFloat.run(test.images.subarray(n * PIXELS, (n + 1) * PIXELS)), n * 10);
  const testGolden = runDesign(plan, quantizeInputs(plan, test.images));
  const identical = report.mismatch === null && !report.failure && reference.disagreement === null;
  allIdentical &&= identical;
  // The test split is evaluated directly; the RTL equals the golden model on every digit (checked above).
  rows.push(
    [`${v.label}: float model`, pct(accuracy(testLut, test.labels, 10)), pct(accuracy(lutLogits, all.labels, 10)), '', ''],
    [`${v.label}: golden (INT8)`, pct(accuracy(testGolden, test.labels, 10)), pct(accuracy(report.expected, all.labels, 10)), '', ''],
    [`${v.label}: RTL (Verilator)`, identical ? pct(accuracy(testGolden, test.labels, 10)) : 'see mismatch', pct(accuracy(report.outputs, all.labels, 10)), identical ? 'yes' : 'NO', `${plan.timing.latency} / ${plan.timing.initiationInterval}`],
  );
  summary.push(
    `${v.label} (${v.what}): golden = RTL digit for digit ${identical ? 'yes' : 'NO'} (${all.count} digits, every output bit; golden = artifact reference: ${reference.disagreement ? 'NO' : 'yes'}); latency ${report.timing?.measuredLatency} cycles (plan ${plan.timing.latency}), II ${report.timing?.measuredIntervals.join('/')} (plan ${plan.timing.initiationInterval}); simulation ${simSeconds.toFixed(1)} s, Verilator build ${report.build.cached ? 'cached' : `${report.build.buildSeconds.toFixed(1)} s`}`,
  );
}
const table = [
  `| model | test split (${test.count.toLocaleString('en')} digits) | all ${all.count.toLocaleString('en')} digits | RTL = golden | latency / II |`,
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(`\n${table}\n\n${summary.join('\n')}`);
await writeFile(
  join(PROJECT_ROOT, 'examples', 'mnist', 'RESULTS.md'),
  `# MNIST end to end\n\nProduced by \`npm run mnist\` (examples/mnist/run.ts: ${epochs} epochs, seed ${seed}, V = ${subvectorLen}, K = ${DEFAULT_CONVERT.centroids}; encoders ${variants.map((v) => v.label).join(', ')}).\n` +
    `Digits: the 10,000 real MNIST digits of the npm \`mnist\` package; per class the first 80 % train the MLP (and calibrate the conversion), the rest are the test split. ` +
    `Every encoder gets the same K and V and the same hardware configuration (examples/mnist/hw.yaml). The float model is the artifact's (golden/float-reference.ts: the encoder in float, LUT-NN's INT8 tables).\n\n${table}\n\n${summary.map((x) => `- ${x}`).join('\n')}\n`,
);
if (!allIdentical) process.exitCode = 2;
