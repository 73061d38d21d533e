/**
 * A CNN on MNIST end to end (npm run mnist-cnn):
 *   1. train a float CNN (conv 3×3 → ReLU → max pool → conv 3×3 → ReLU → max pool → linear) on the
 *      training split, deterministic and seeded (train.ts);
 *   2. save it as a PyTorch user would: a safetensors state dict in PyTorch layouts, the topology
 *      file (topology.yaml), calibration images (N, 1, 28, 28) as .npy;
 *   3. `lutnn convert` it (the same code path), once per encoder: k-means (closest-centroid search)
 *      or MADDNESS hash trees over every convolution's im2col patches, the classifier after the
 *      flatten as a whole-image convolution;
 *   4. `lutnn gen-rtl` the streaming design (hw.yaml): pixels in one per beat, line buffers, a
 *      LUT layer per patch, max pools;
 *   5. run all 10,000 digits through the Verilator model (random input gaps and back-pressure) and
 *      the golden model, and the test split through the independent artifact reference.
 * Writes examples/mnist-cnn/RESULTS.md: float, LUT-NN float, golden and RTL accuracy, cycles per
 * frame planned and measured, frames per second.
 *
 *   npm run mnist-cnn [-- --epochs 8 --learning-rate 3e-3 --seed 1 --centroids 16 --subvector-len conv1=3,conv2=2,fc=2 --encoders ccs,hash-tree]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dump as dumpNpy } from 'npyjs';
import { writeSafetensors } from '../../generator/artifact/safetensors.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { parseSubvectorLens } from '../../generator/cli/options.ts';
import { denseForward } from '../../generator/convert/dense.ts';
import { loadDenseModel } from '../../generator/convert/load-dense.ts';
import { imagesAsFrames, readNpy } from '../../generator/convert/numpy.ts';
import { convertDense, DEFAULT_CONVERT } from '../../generator/convert/pq.ts';
import { writeArtifactAtomically } from '../../generator/convert/write-artifact.ts';
import { loadMnist, PIXELS } from '../../generator/datasets/mnist.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { runDesign } from '../../generator/golden/design.ts';
import { floatArtifact } from '../../generator/golden/float-reference.ts';
import { readTopology } from '../../generator/import/topology.ts';
import { accuracy, quantizeInputs } from '../../tb/datasets.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { cnnForward, trainCnn } from './train.ts';

const { values: args } = parseArgs({
  options: {
    epochs: { type: 'string', default: '8' },
    'learning-rate': { type: 'string', default: '3e-3' },
    seed: { type: 'string', default: '1' },
    centroids: { type: 'string', default: '16' },
    'subvector-len': { type: 'string', default: 'conv1=3,conv2=2,fc=2' },
    'calib-images': { type: 'string', default: '1024' },
    channels: { type: 'string', default: '8,16' },
    encoders: { type: 'string', default: 'ccs,hash-tree' },
  },
});
const epochs = Number(args.epochs);
const learningRate = Number(args['learning-rate']);
const seed = Number(args.seed);
const K = Number(args.centroids);
const subvector = parseSubvectorLens('--subvector-len')(args['subvector-len']!);
const calibImages = Number(args['calib-images']);
const channels = args.channels!.split(',').map(Number) as [number, number];
const encoders = args.encoders!.split(',') as ('ccs' | 'hash-tree')[];

const here = join(PROJECT_ROOT, 'examples', 'mnist-cnn');
const work = join(PROJECT_ROOT, 'rtl-out', 'mnist-cnn-work');
const t0 = performance.now();
const t = () => `[${((performance.now() - t0) / 1000).toFixed(1)}s]`;
await mkdir(work, { recursive: true });

const data = loadMnist();
console.error(`${t()} ${data.train.count} training and ${data.test.count} test digits`);

// 1–2. Train; save like a PyTorch user: conv weights (out, in, kh, kw), linear (out, in), biases.
const trained = trainCnn(data.train, { channels, epochs, batch: 32, learningRate, seed, onEpoch: (e, loss) => console.error(`${t()} epoch ${e + 1}/${epochs} loss ${loss.toFixed(4)}`) });
const f32 = (name: string, shape: number[], values: Float64Array) => ({ name, dtype: 'F32' as const, shape, data: Float64Array.from(values, Math.fround) });
const densePath = join(work, 'cnn.safetensors');
await writeSafetensors(densePath, [
  f32('conv1.weight', [trained.conv1.outChannels, trained.conv1.inChannels, 3, 3], trained.conv1.weight),
  f32('conv1.bias', [trained.conv1.outChannels], trained.conv1.bias),
  f32('conv2.weight', [trained.conv2.outChannels, trained.conv2.inChannels, 3, 3], trained.conv2.weight),
  f32('conv2.bias', [trained.conv2.outChannels], trained.conv2.bias),
  f32('fc.weight', [trained.fc.outFeatures, trained.fc.inFeatures], trained.fc.weight),
  f32('fc.bias', [trained.fc.outFeatures], trained.fc.bias),
]);
const calibPath = join(work, 'calib.npy');
await writeFile(calibPath, Buffer.from(dumpNpy(Float32Array.from(data.train.images.subarray(0, calibImages * PIXELS)), [calibImages, 1, 28, 28])));

// 3. Convert what was saved, read back as `lutnn convert` reads it.
const topologyPath = join(here, 'topology.yaml');
const dense = await loadDenseModel(densePath, { topology: await readTopology(topologyPath) });
const { test, all } = data;
const logitsOf = (run: (image: Float64Array) => ArrayLike<number>, set: typeof test) => {
  const out = new Float64Array(set.count * 10);
  for (let n = 0; n < set.count; n++) out.set(run(set.images.subarray(n * PIXELS, (n + 1) * PIXELS)), n * 10);
  return out;
};
// The trainer's own forward (float64 weights) and the saved model's (float32, via the topology):
// the same predictions unless a logit tie moves, so the saved model is the trained one.
const trainerTest = logitsOf((x) => cnnForward(trained, x), test);
const savedTest = denseForward(dense, test.images, test.count);
const savedAll = denseForward(dense, all.images, all.count);
let maxDiff = 0;
for (let i = 0; i < trainerTest.length; i++) maxDiff = Math.max(maxDiff, Math.abs(trainerTest[i] - savedTest[i]));
console.error(`${t()} float CNN: test ${(100 * accuracy(savedTest, test.labels, 10)).toFixed(2)} %, saved model vs trainer max |Δlogit| ${maxDiff.toExponential(2)}`);

const calib = imagesAsFrames(await readNpy(calibPath), { height: 28, width: 28, inChannels: 1 });
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
const floatAcc = accuracy(savedTest, test.labels, 10);
const rows = [['float CNN', pct(floatAcc), pct(accuracy(savedAll, all.labels, 10)), '', '']];
const lines: string[] = [];
let allOk = true;
// 3–5 per encoder: closest-centroid search (k-means centroids) and MADDNESS hash trees (depth log2 K).
for (const encoder of encoders) {
  const label = encoder === 'ccs' ? 'ccs-l2' : 'hash-tree';
  const conversion = convertDense(dense, calib.data, calib.shape[0], { ...DEFAULT_CONVERT, name: 'mnist_cnn', encoder, centroids: K, subvectorLen: subvector.all ?? DEFAULT_CONVERT.subvectorLen, layerSubvectorLen: subvector.layers, calibrationRows: 65536, seed }, (l) => console.error(`${t()} ${label}: converting ${l}`));
  const artifactDir = join(work, encoder === 'ccs' ? 'mnist_cnn' : 'mnist_cnn_hash_tree');
  await writeArtifactAtomically(artifactDir, conversion.manifest, conversion.tensors);
  const rtl = join(PROJECT_ROOT, 'rtl-out', encoder === 'ccs' ? 'mnist-cnn' : 'mnist-cnn-hash-tree');
  const { plan } = await genRtl({ model: join(artifactDir, 'model.json'), config: join(here, 'hw.yaml'), out: rtl });
  const cyclesPerFrame = plan.timing.initiationInterval;
  console.error(`${t()} ${label}: RTL latency ${plan.timing.latency} cycles, one digit every ${cyclesPerFrame} cycles`);

  // Every digit through Verilator and the golden model; the test split through the artifact reference.
  const simStart = performance.now();
  const report = await verifyDesign(rtl, { vectors: all.count, seed, inputs: quantizeInputs(plan, all.images), onStage: (s) => console.error(`${t()} ${label}: ${s}`) });
  const simSeconds = (performance.now() - simStart) / 1000 - report.build.buildSeconds;
  const artifact = await loadArtifact(join(artifactDir, 'model.json'));
  const testInputs = quantizeInputs(plan, test.images);
  const reference = checkGoldenAgainstArtifact(plan, artifact, testInputs);
  const testGolden = runDesign(plan, testInputs);
  const lutFloat = floatArtifact(artifact);
  const identical = report.mismatch === null && !report.failure && reference.disagreement === null;
  // The analytic timing must equal the simulation's (latency and cycles per digit, no gaps or stalls).
  const timingExact = report.timing?.ok === true;
  allOk &&= identical && timingExact;
  const rtlAcc = accuracy(testGolden, test.labels, 10);
  rows.push(
    [`${label}: LUT-NN float model`, pct(accuracy(logitsOf((x) => lutFloat.run(x), test), test.labels, 10)), pct(accuracy(logitsOf((x) => lutFloat.run(x), all), all.labels, 10)), '', ''],
    [`${label}: golden model (INT8)`, pct(rtlAcc), pct(accuracy(report.expected, all.labels, 10)), '', ''],
    [`${label}: RTL (Verilator)`, identical ? pct(rtlAcc) : 'see mismatch', pct(accuracy(report.outputs, all.labels, 10)), identical ? 'yes' : 'NO', `${plan.timing.latency} / ${cyclesPerFrame}`],
  );
  const measured = report.timing;
  const what = encoder === 'ccs' ? 'output MSE after k-means' : 'output MSE of the bucket means';
  lines.push(
    `**${label}**: RTL accuracy on the test split ${pct(rtlAcc)} vs float ${pct(floatAcc)}, ${((floatAcc - rtlAcc) * 100).toFixed(2)} points below (target: within 1.0). ` +
      `golden = RTL digit for digit: ${identical ? 'yes' : 'NO'} (${all.count} digits, every output bit; golden = artifact reference on the test split: ${reference.disagreement ? 'NO' : 'yes'}). ` +
      `Cycles per digit: plan ${cyclesPerFrame}, measured ${measured?.measuredIntervals.join('/') ?? '?'}; latency plan ${plan.timing.latency}, measured ${measured?.measuredLatency ?? '?'} (${timingExact ? 'exact' : 'NOT EQUAL'}; 24 digits back to back). ` +
      `At 100 MHz: ${Math.round(1e8 / cyclesPerFrame).toLocaleString('en')} digits per second. ` +
      `Simulation of ${all.count} digits with random input gaps and output stalls ${simSeconds.toFixed(0)} s, Verilator build ${report.build.cached ? 'cached' : `${report.build.buildSeconds.toFixed(0)} s`}. ` +
      `Layers: ${conversion.report.map((l) => `${l.name} C = ${l.C}, ${what} ${l.reconstructionError.kmeans.toExponential(2)}`).join('; ')}.`,
  );
}
lines.push(`Float saved model vs the trainer's forward: max |Δlogit| ${maxDiff.toExponential(2)}.`);
const table = [
  `| model | test split (${test.count.toLocaleString('en')} digits) | all ${all.count.toLocaleString('en')} digits | RTL = golden | latency / cycles per digit |`,
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(`\n${table}\n\n${lines.join('\n')}`);
await writeFile(
  join(here, 'RESULTS.md'),
  `# MNIST CNN end to end\n\nProduced by \`npm run mnist-cnn\` (examples/mnist-cnn/run.ts: ${epochs} epochs at learning rate ${learningRate}, seed ${seed}, channels ${channels.join('/')}, K = ${K}, V ${args['subvector-len']}, encoders ${encoders.join(', ')}; hardware examples/mnist-cnn/hw.yaml; ${((performance.now() - t0) / 60000).toFixed(1)} min).\n` +
    `Digits: the 10,000 real MNIST digits of the npm \`mnist\` package; per class the first 80 % train the CNN (and the first ${calibImages} calibrate the conversion), the rest are the test split. ` +
    `Model: conv 3×3 (1→${channels[0]}, padding 1) → ReLU → max pool 2 → conv 3×3 (${channels[0]}→${channels[1]}, padding 1) → ReLU → max pool 2 → flatten → linear (${channels[1] * 49}→10), examples/mnist-cnn/topology.yaml; the linear layer after the flatten is a 7×7 whole-image lut_conv2d. ` +
    `The LUT-NN float model is the artifact's (golden/float-reference.ts: the encoder in float, LUT-NN's INT8 tables). Area against a MAC-array CNN of the same cycles per digit: bench/cnn-mac.md (\`npm run bench:cnn-mac\`).\n\n${table}\n\n${lines.map((x) => `- ${x}`).join('\n')}\n`,
);
if (!allOk) process.exitCode = 2;
