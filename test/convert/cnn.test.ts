/**
 * `lutnn convert` of a dense CNN (state dict + topology file): the loaded model equals PyTorch's
 * modules computed directly (conv on NCHW, eval BatchNorm, max pool, NCHW flatten, linear), and the
 * converted artifact runs bit-exact in RTL, golden model and the independent artifact reference.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { dump as dumpNpy } from 'npyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../../generator/artifact/safetensors.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { denseForward, type DenseModel } from '../../generator/convert/dense.ts';
import { denseCnnFromStateDict } from '../../generator/convert/load-dense-cnn.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { runDesign } from '../../generator/golden/design.ts';
import { parseTopology, readTopology } from '../../generator/import/topology.ts';
import { parse as parseYaml } from 'yaml';
import { quantizeInputs } from '../../tb/datasets.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { Rng } from '../../generator/util/rng.ts';
import onnxProto from 'onnx-proto';
import { loadDenseModel } from '../../generator/convert/load-dense.ts';
import { cnnOnnxBytes, randomCnn, referenceForward, toFrame, type CnnStep, type RandomCnn } from '../support/dense-cnn.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-cnn-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

const p = (a: number, b = a): [number, number] => [a, b];
/** conv → BN → ReLU → pool → conv (stride, rectangular kernel) → ReLU → flatten → linear. */
const STEPS: CnnStep[] = [
  { kind: 'conv2d', name: 'conv1', out: 4, kernel: p(3), stride: p(1), padding: p(1) },
  { kind: 'batchnorm2d', name: 'bn1' },
  { kind: 'relu', name: 'act1' },
  { kind: 'maxpool2d', name: 'pool1', kernel: p(2), stride: p(2), padding: p(0) },
  { kind: 'conv2d', name: 'conv2', out: 6, kernel: p(2, 3), stride: p(1, 2), padding: p(0) },
  { kind: 'relu', name: 'act2' },
  { kind: 'flatten', name: 'flat' },
  { kind: 'linear', name: 'fc', out: 5 },
];
/** conv → ReLU → padded average pool → conv → ReLU → global average pool → flatten → linear. */
const AVG_STEPS: CnnStep[] = [
  { kind: 'conv2d', name: 'c1', out: 3, kernel: p(3), stride: p(1), padding: p(1) },
  { kind: 'relu', name: 'act1' },
  { kind: 'avgpool2d', name: 'pool1', kernel: p(3), stride: p(2), padding: p(1) },
  { kind: 'conv2d', name: 'c2', out: 6, kernel: p(2), stride: p(1), padding: p(0) },
  { kind: 'relu', name: 'act2' },
  { kind: 'global_avgpool2d', name: 'gap' },
  { kind: 'flatten', name: 'flat' },
  { kind: 'linear', name: 'fc', out: 3 },
];
const INPUT = { channels: 2, height: 9, width: 7 };

function tensorMap(cnn: RandomCnn) {
  return new Map(cnn.tensors.map((t) => [t.name, { shape: [...t.shape], data: t.data }]));
}
const topologyOf = (cnn: RandomCnn) => parseTopology(parseYaml(cnn.topologyYaml), 'topology.yaml');

function images(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * INPUT.channels * INPUT.height * INPUT.width }, () => rng.normal());
}

/** The loaded model's forward on `n` random images equals the modules computed directly, output by output. */
function expectForwardMatches(model: DenseModel, cnn: RandomCnn, n: number, seed: number): void {
  const per = INPUT.channels * INPUT.height * INPUT.width;
  const x = images(n, seed);
  for (let r = 0; r < n; r++) {
    const nchw = x.subarray(r * per, (r + 1) * per);
    const got = denseForward(model, toFrame(nchw, INPUT.channels, INPUT.height, INPUT.width), 1);
    const want = referenceForward(cnn, nchw);
    expect(got.length).toBe(want.length);
    for (let m = 0; m < want.length; m++) expect(got[m]).toBeCloseTo(want[m], 9);
  }
}

describe('dense CNN loading', () => {
  it('equals the modules computed directly: BatchNorm folded, flatten + linear as a whole-image convolution', () => {
    for (const seed of [1, 2, 3]) {
      const cnn = randomCnn(seed, INPUT, STEPS);
      const model = denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', topologyOf(cnn));
      expect(model.layers.map((l) => l.kind ?? (l.conv ? `conv ${l.conv.kernel}` : 'linear'))).toEqual(['conv 3,3', 'maxpool2d', 'conv 2,3', 'conv 3,1']);
      expectForwardMatches(model, cnn, 6, seed);
    }
  });

  it('takes ReLU after a padded max pool, and a flatten of the input image itself', () => {
    const variants: CnnStep[][] = [
      [
        { kind: 'conv2d', name: 'c', out: 3, kernel: p(3), stride: p(1), padding: p(0) },
        { kind: 'maxpool2d', name: 'pool', kernel: p(3), stride: p(2), padding: p(1) },
        { kind: 'relu', name: 'act' },
        { kind: 'flatten', name: 'flat' },
        { kind: 'linear', name: 'fc', out: 4 },
      ],
      [
        { kind: 'flatten', name: 'flat' },
        { kind: 'linear', name: 'fc', out: 4 },
      ],
    ];
    for (const steps of variants) {
      const cnn = randomCnn(5, INPUT, steps);
      const model = denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', topologyOf(cnn));
      expectForwardMatches(model, cnn, 4, 2);
    }
  });

  it('takes average pools (padded, counting the padding) and a global average pool, with ReLU before them', () => {
    const steps: CnnStep[] = [
      { kind: 'conv2d', name: 'c1', out: 3, kernel: p(3), stride: p(1), padding: p(1) },
      { kind: 'relu', name: 'act1' },
      { kind: 'avgpool2d', name: 'pool1', kernel: p(3), stride: p(2), padding: p(1) },
      { kind: 'relu', name: 'again' }, // after a ReLU'd layer's mean: changes nothing, so taken
      { kind: 'conv2d', name: 'c2', out: 4, kernel: p(2), stride: p(1), padding: p(0) },
      { kind: 'relu', name: 'act2' },
      { kind: 'global_avgpool2d', name: 'gap' },
      { kind: 'flatten', name: 'flat' },
      { kind: 'linear', name: 'fc', out: 3 },
    ];
    const cnn = randomCnn(8, INPUT, steps);
    const model = denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', topologyOf(cnn));
    expect(model.layers.map((l) => l.kind ?? (l.conv ? `conv ${l.conv.kernel}` : 'linear'))).toEqual(['conv 3,3', 'avgpool2d', 'conv 2,2', 'avgpool2d', 'linear']);
    // 9 x 7 → pool 3/2 pad 1 → 5 x 4 → conv 2 → 4 x 3 → the global pool's kernel.
    expect(model.layers[3].kind === 'avgpool2d' && model.layers[3].pool.kernel).toEqual([4, 3]);
    expectForwardMatches(model, cnn, 4, 5);
  });

  it('refuses a ReLU after an average pool of a layer without one (the two do not commute)', () => {
    const steps: CnnStep[] = [
      { kind: 'conv2d', name: 'c1', out: 3, kernel: p(3), stride: p(1), padding: p(1) },
      { kind: 'avgpool2d', name: 'pool1', kernel: p(2), stride: p(2), padding: p(0) },
      { kind: 'relu', name: 'act' },
      { kind: 'flatten', name: 'flat' },
      { kind: 'linear', name: 'fc', out: 3 },
    ];
    const cnn = randomCnn(8, INPUT, steps);
    expect(() => denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', topologyOf(cnn))).toThrow(/ReLU "act" follows an average pool[\s\S]*layers\.act[\s\S]*relu before the average pool "pool1"/);
    const big = randomCnn(8, { channels: 1, height: 16, width: 4 }, [steps[0], { kind: 'global_avgpool2d', name: 'gap' }, steps[3], steps[4]]);
    expect(() => denseCnnFromStateDict(tensorMap(big), 'cnn.safetensors', topologyOf(big))).toThrow(/Global average pool "gap" reads an image larger than a kernel[\s\S]*16 x 4/);
  });

  it('refuses topologies that do not fit the tensors, naming the step', () => {
    const cases: [CnnStep[], RegExp][] = [
      [[STEPS[0], STEPS[2], STEPS[7]], /Linear layer "fc" reads an image that is not flattened[\s\S]*layers\.fc[\s\S]*flatten step/],
      [[STEPS[0], STEPS[2], STEPS[1], STEPS[6], STEPS[7]], /BatchNorm "bn1" does not follow a convolution[\s\S]*after a ReLU/],
    ];
    for (const [steps, pattern] of cases) {
      const cnn = randomCnn(1, INPUT, steps);
      expect(() => denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', topologyOf(cnn))).toThrow(pattern);
    }
    // A layer of the state dict left out of the topology would be a different model.
    const cnn = randomCnn(1, INPUT, STEPS);
    const without = parseTopology(parseYaml(cnn.topologyYaml.replace(/ {2}bn1:.*\n/, '')), 'topology.yaml');
    expect(() => denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', without)).toThrow(/tensors no topology step uses[\s\S]*bn1\.weight/);
    // A kernel the weight does not have.
    const wrong = parseTopology(parseYaml(cnn.topologyYaml.replace('conv1: { kind: conv2d, kernel_size: [3, 3]', 'conv1: { kind: conv2d, kernel_size: [5, 5]')), 'topology.yaml');
    expect(() => denseCnnFromStateDict(tensorMap(cnn), 'cnn.safetensors', wrong)).toThrow(/Tensor "conv1\.weight" has the wrong shape[\s\S]*\[n, n, 5, 5\][\s\S]*\[4, 2, 3, 3\]/);
  });
});

describe('dense CNN from ONNX', () => {
  it('reads a sequential torch.onnx-style graph as the same model, without a topology file', async () => {
    const cnn = randomCnn(4, INPUT, STEPS);
    const file = join(tmp, 'cnn.onnx');
    await writeFile(file, cnnOnnxBytes(cnn));
    const model = await loadDenseModel(file);
    expect(model.layers.map((l) => l.kind ?? (l.conv ? `conv ${l.conv.kernel}` : 'linear'))).toEqual(['conv 3,3', 'maxpool2d', 'conv 2,3', 'conv 3,1']);
    expectForwardMatches(model, cnn, 4, 9);
  });

  it('takes ONNX MaxPool strides as 1 when the attribute is absent (the ONNX default)', async () => {
    const steps: CnnStep[] = [STEPS[0], { kind: 'maxpool2d', name: 'pool1', kernel: p(2), stride: p(1), padding: p(0) }, STEPS[6], STEPS[7]];
    const cnn = randomCnn(6, { ...INPUT, height: 5, width: 4 }, steps);
    const file = join(tmp, 'nostride.onnx');
    await writeFile(file, cnnOnnxBytes(cnn, (nodes) => nodes[1].attribute!.splice(1, 1)));
    const model = await loadDenseModel(file);
    const nchw = images(1, 3).subarray(0, 2 * 5 * 4);
    const got = denseForward(model, toFrame(nchw, 2, 5, 4), 1);
    const want = referenceForward(cnn, nchw);
    for (let m = 0; m < 5; m++) expect(got[m]).toBeCloseTo(want[m], 9);
  });

  it('reads AveragePool (count_include_pad 1) and GlobalAveragePool, and refuses a padded AveragePool that leaves the padding out', async () => {
    const cnn = randomCnn(9, INPUT, AVG_STEPS);
    const file = join(tmp, 'avg.onnx');
    await writeFile(file, cnnOnnxBytes(cnn));
    const model = await loadDenseModel(file);
    expect(model.layers.map((l) => l.kind ?? (l.conv ? `conv ${l.conv.kernel}` : 'linear'))).toEqual(['conv 3,3', 'avgpool2d', 'conv 2,2', 'avgpool2d', 'linear']);
    expectForwardMatches(model, cnn, 3, 4);
    // Without the attribute, ONNX's default 0 divides a border window by its image pixels only.
    const excl = join(tmp, 'avg-excl.onnx');
    await writeFile(excl, cnnOnnxBytes(cnn, (nodes) => nodes[2].attribute!.splice(3, 1)));
    await expect(loadDenseModel(excl)).rejects.toThrow(/leaves the padding out of the divisor[\s\S]*"pool1" \(AveragePool\) count_include_pad[\s\S]*0 \(the ONNX default\) with pads \[1, 1\]/);
  });

  it('refuses branches, asymmetric padding, auto_pad and a pool without a kernel, naming the node', async () => {
    const cnn0 = randomCnn(4, INPUT, STEPS);
    const refuse = async (edit: Parameters<typeof cnnOnnxBytes>[1], pattern: RegExp) => {
      const f = join(tmp, 'refused.onnx');
      await writeFile(f, cnnOnnxBytes(cnn0, edit));
      await expect(loadDenseModel(f)).rejects.toThrow(pattern);
    };
    await refuse((nodes) => nodes[0].attribute!.push(onnxProto.onnx.AttributeProto.create({ name: 'auto_pad', type: 3, s: Buffer.from('SAME_UPPER') })), /auto_pad is not supported[\s\S]*"conv1" \(Conv\) auto_pad[\s\S]*SAME_UPPER/);
    await refuse((nodes) => nodes[3].attribute!.splice(0, 1), /kernel_shape is not two values[\s\S]*"pool1" \(MaxPool\)[\s\S]*no attribute/);
  });

  it('refuses branches and asymmetric padding, naming the node', async () => {
    const cnn = randomCnn(4, INPUT, STEPS);
    const residual = join(tmp, 'residual.onnx');
    // A residual add: the second convolution's ReLU output plus an earlier tensor.
    await writeFile(residual, cnnOnnxBytes(cnn, (nodes) => nodes.splice(6, 0, onnxProto.onnx.NodeProto.create({ name: 'skip', opType: 'Add', input: ['t5', 't3'], output: ['t5b'] }))));
    await expect(loadDenseModel(residual)).rejects.toThrow(/not a chain of operators[\s\S]*"skip" \(Add\)[\s\S]*residual adds are not built[\s\S]*"t5", "t3"/);
    const pads = join(tmp, 'pads.onnx');
    await writeFile(pads, cnnOnnxBytes(cnn, (nodes) => nodes[0].attribute!.splice(2, 1, onnxProto.onnx.AttributeProto.create({ name: 'pads', type: 7, ints: [1, 1, 0, 0] }))));
    await expect(loadDenseModel(pads)).rejects.toThrow(/Asymmetric padding[\s\S]*"conv1" \(Conv\) pads[\s\S]*\[1, 1, 0, 0\]/);
  });
});

describe('topology file steps', () => {
  it('keeps the file order of integer step names (nn.Sequential prefixes), which a JavaScript object would list first', async () => {
    const f = join(tmp, 'seq.yaml');
    await writeFile(f, 'layers:\n  features: { kind: flatten }\n  0: { kind: linear }\n  act: { kind: relu }\n  2: { kind: linear }\n');
    expect([...(await readTopology(f)).layers.keys()]).toEqual(['features', '0', 'act', '2']);
  });

  it('defaults a max pool stride to its kernel and BatchNorm eps to 1e-5, and refuses a bad eps by field', () => {
    const t = parseTopology(parseYaml('layers:\n  p: { kind: maxpool2d, kernel_size: [3, 2] }\n  bn: { kind: batchnorm2d }\n  r: { kind: relu }\n'), 't.yaml');
    expect([...t.layers.values()]).toEqual([{ kind: 'maxpool2d', kernel: [3, 2], stride: [3, 2], padding: [0, 0] }, { kind: 'batchnorm2d', eps: 1e-5 }, { kind: 'relu' }]);
    expect(() => parseTopology(parseYaml('layers:\n  bn: { kind: batchnorm2d, eps: 0 }\n'), 't.yaml')).toThrow(/layers\.bn\.eps[\s\S]*a positive number/);
  });
});

/**
 * The converted artifact in dir/art, generated into dir/rtl: the golden model agrees with the
 * artifact reference, and Verilator with the golden model bit for bit and cycle for cycle, on the
 * `n` calibration images (NCHW).
 */
async function expectBitExactInRtl(dir: string, calib: Float64Array, n: number, seed: number, config?: string): Promise<void> {
  const artifact = await loadArtifact(join(dir, 'art', 'model.json'));
  const { plan } = await genRtl({ model: join(dir, 'art', 'model.json'), config, out: join(dir, 'rtl') });
  const frames = new Float64Array(calib.length);
  const per = INPUT.channels * INPUT.height * INPUT.width;
  for (let r = 0; r < n; r++) frames.set(toFrame(calib.subarray(r * per, (r + 1) * per), INPUT.channels, INPUT.height, INPUT.width), r * per);
  const inputs = quantizeInputs(plan, frames);
  expect(checkGoldenAgainstArtifact(plan, artifact, inputs).disagreement).toBeNull();
  const report = await verifyDesign(join(dir, 'rtl'), { vectors: n, seed, inputs });
  expect(report.failure ?? null).toBeNull();
  expect(report.mismatch).toBeNull();
  expect(Array.from(report.outputs)).toEqual(Array.from(runDesign(plan, inputs)));
  expect(report.timing?.measuredLatency).toBe(plan.timing.latency);
  expect(report.timing?.ok).toBe(true);
}

describe('convert of a dense CNN', () => {
  it('writes lut_conv2d and maxpool2d layers from the CLI (NCHW calibration images) that run bit-exact in RTL', async () => {
    const cnn = randomCnn(7, INPUT, STEPS);
    const dir = join(tmp, 'cli');
    await execa('mkdir', ['-p', dir]);
    await writeFile(join(dir, 'cnn.safetensors'), encodeSafetensors(cnn.tensors));
    await writeFile(join(dir, 'topology.yaml'), cnn.topologyYaml);
    const calib = images(64, 11);
    await writeFile(join(dir, 'calib.npy'), Buffer.from(dumpNpy(Float32Array.from(calib), [64, INPUT.channels, INPUT.height, INPUT.width])));
    const args = ['convert', '--dense', join(dir, 'cnn.safetensors'), '--topology', join(dir, 'topology.yaml'), '--calib', join(dir, 'calib.npy'), '--subvector-len', 'conv1=9,3', '-K', '8', '--name', 'cnn'];
    const r = await execa('node', [LUTNN, ...args, '-o', join(dir, 'art')], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^conv1 +C=2 /m); // V = 9 for conv1 (its 2·3·3 patch), 3 for the others
    expect(r.stdout).toMatch(/^conv2 +C=8 /m);
    const again = await execa('node', [LUTNN, ...args, '-o', join(dir, 'art2'), '-q'], { reject: false });
    expect(again.exitCode, again.stderr).toBe(0);
    for (const f of ['model.json', 'model.safetensors']) expect((await readFile(join(dir, 'art', f))).equals(await readFile(join(dir, 'art2', f))), f).toBe(true);

    const artifact = await loadArtifact(join(dir, 'art', 'model.json'));
    expect(artifact.layers.map((l) => l.kind)).toEqual(['lut_conv2d', 'maxpool2d', 'lut_conv2d', 'lut_conv2d']);
    await expectBitExactInRtl(dir, calib, 64, 3);
  }, 240_000);

  it('writes avgpool2d layers (a padded pool and a global one) from ONNX that run bit-exact in RTL', async () => {
    const cnn = randomCnn(10, INPUT, AVG_STEPS);
    const dir = join(tmp, 'cli-avg');
    await execa('mkdir', ['-p', dir]);
    await writeFile(join(dir, 'cnn.onnx'), cnnOnnxBytes(cnn));
    const calib = images(32, 12);
    await writeFile(join(dir, 'calib.npy'), Buffer.from(dumpNpy(Float32Array.from(calib), [32, INPUT.channels, INPUT.height, INPUT.width])));
    const r = await execa('node', [LUTNN, 'convert', '--dense', join(dir, 'cnn.onnx'), '--calib', join(dir, 'calib.npy'), '--subvector-len', '3', '-K', '8', '--name', 'avg', '-o', join(dir, 'art'), '-q'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const artifact = await loadArtifact(join(dir, 'art', 'model.json'));
    expect(artifact.layers.map((l) => l.kind)).toEqual(['lut_conv2d', 'avgpool2d', 'lut_conv2d', 'avgpool2d', 'lut_linear']);
    // The linear layer takes the global pool's one pixel as a beat of its 6 channels (docs/hw-config.md).
    await writeFile(join(dir, 'hw.yaml'), 'layers:\n  fc: { io: stream, elements_per_beat: 6 }\n');
    await expectBitExactInRtl(dir, calib, 32, 4, join(dir, 'hw.yaml'));
  }, 240_000);

  it('refuses calibration images of the wrong size, naming the expected image', async () => {
    const cnn = randomCnn(7, INPUT, STEPS);
    const dir = join(tmp, 'bad');
    await execa('mkdir', ['-p', dir]);
    await writeFile(join(dir, 'cnn.safetensors'), encodeSafetensors(cnn.tensors));
    await writeFile(join(dir, 'topology.yaml'), cnn.topologyYaml);
    await writeFile(join(dir, 'calib.npy'), Buffer.from(dumpNpy(Float32Array.from(images(4, 1)).subarray(0, 4 * 2 * 8 * 7), [4, 2, 8, 7])));
    const r = await execa('node', [LUTNN, 'convert', '--dense', join(dir, 'cnn.safetensors'), '--topology', join(dir, 'topology.yaml'), '--calib', join(dir, 'calib.npy'), '-o', join(dir, 'art')], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Calibration data has the wrong shape[\s\S]*9 x 7 x 2 images[\s\S]*\(N, 2, 9, 7\)[\s\S]*\(4, 2, 8, 7\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
