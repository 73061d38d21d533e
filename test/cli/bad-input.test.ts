/**
 * Every bad input a user can give, as a user gives it (the command line): each case must exit 1
 * with "lutnn: error:", name the file or field and what was expected/found (the patterns), print
 * no stack trace, and write nothing (no output folder, no temporary folder left behind, no file
 * replaced). Cases found by trying the tool as a new user would are listed in issue 11.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { unzipSync, zipSync } from 'fflate';
import { dump as dumpNpy } from 'npyjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArtifact } from '../../generator/artifact/write.ts';
import type { TensorInput } from '../../generator/artifact/safetensors.ts';
import { encodeSafetensors } from '../../generator/artifact/safetensors.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { lutnnOnnxBytes, fixtureLayers } from '../support/import-fixtures.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
const FIX = join(PROJECT_ROOT, 'test', 'fixtures');
const REAL = join(PROJECT_ROOT, 'test', 'real-exports');
let root: string;
/** A generated, simulatable design (the good starting point of the sim cases). */
let design: string;

const goodLayer = {
  name: 'fc', kind: 'lut_linear', in_features: 4, out_features: 3, num_codebooks: 2, num_centroids: 3, subvector_len: 2,
  input: { bits: 8, scale: 0.1 }, output: { bits: 8, scale: 0.1 },
  tensors: { centroids: 'fc.c', lut: 'fc.lut' },
};
const centroids = (data: ArrayLike<number> = [0, 0, 1, 1, -1, 0.5, 0.2, 0.3, -0.4, 0.1, 0, 1]): TensorInput => ({ name: 'fc.c', dtype: 'F32', shape: [2, 3, 2], data });
const lut = (data: ArrayLike<number> = Array.from({ length: 18 }, (_, i) => (i % 7) - 3)): TensorInput => ({ name: 'fc.lut', dtype: 'F32', shape: [2, 3, 3], data });
const manifest = (layers: object[], extra: object = {}) => ({ format: 'lutnn-artifact', format_version: 1, name: 'm', tensors: 'm.safetensors', layers, ...extra });

let n = 0;
/** A fresh folder under the test root. */
const folder = () => join(root, `case${n++}`);
async function artifact(layers: object[] = [goodLayer], tensors: TensorInput[] = [centroids(), lut()], extra: object = {}): Promise<string> {
  return writeArtifact(folder(), manifest(layers, extra), tensors);
}
async function file(name: string, content: string | Uint8Array): Promise<string> {
  const dir = folder();
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), content);
  return join(dir, name);
}
const npy = (data: Float32Array | Int32Array, shape: number[]) => new Uint8Array(dumpNpy(data, shape));

interface Case {
  name: string;
  /** Arguments after `lutnn`; `out` (if any) is the path that must not appear. */
  args: () => Promise<{ argv: string[]; out?: string; unchanged?: string }>;
  patterns: RegExp[];
}

async function gen(model: string, extra: string[] = []): Promise<{ argv: string[]; out: string }> {
  const out = join(folder(), 'rtl');
  return { argv: ['gen-rtl', '--model', model, '--out', out, ...extra], out };
}

const cases: Case[] = [
  // ---- gen-rtl: the artifact ----
  { name: 'gen-rtl: missing manifest', args: async () => gen(join(root, 'nope', 'model.json')), patterns: [/not found/, /nope\/model\.json/] },
  { name: 'gen-rtl: manifest is a folder', args: async () => gen(root), patterns: [/cannot be read/, /a directory/] },
  { name: 'gen-rtl: invalid JSON, with line and column', args: async () => gen(await file('model.json', '{"format": "lutnn-artifact",\n  "layers": [}\n')), patterns: [/not valid JSON at line 2/] },
  { name: 'gen-rtl: empty manifest', args: async () => gen(await file('model.json', '  \n')), patterns: [/empty/, /found: +an empty file/] },
  { name: 'gen-rtl: unsupported format_version', args: async () => gen(await artifact([goodLayer], undefined, { format_version: 3 })), patterns: [/format_version/, /1/] },
  { name: 'gen-rtl: unknown field (typo)', args: async () => gen(await artifact([{ ...goodLayer, out_feature: 3 }])), patterns: [/out_feature/] },
  { name: 'gen-rtl: hostile layer name', args: async () => gen(await artifact([{ ...goodLayer, name: '../x' }])), patterns: [/layers\[0\]\.name/, /\.\.\/x/] },
  { name: 'gen-rtl: in_features is not C·V', args: async () => gen(await artifact([{ ...goodLayer, in_features: 5 }])), patterns: [/in_features/, /2 \* 2 = 4/, /found: +5/] },
  { name: 'gen-rtl: tensors path escapes the folder', args: async () => gen(await artifact([goodLayer], undefined, { tensors: '../m.safetensors' })), patterns: [/tensors/, /\.\./] },
  {
    name: 'gen-rtl: tensor file missing',
    args: async () => {
      const m = await artifact();
      await rm(join(m, '..', 'm.safetensors'));
      return gen(m);
    },
    patterns: [/Tensor file "m\.safetensors"/, /not found/],
  },
  { name: 'gen-rtl: referenced tensor not in the file', args: async () => gen(await artifact([{ ...goodLayer, tensors: { centroids: 'fc.c', lut: 'fc.lutt' } }])), patterns: [/fc\.lutt/, /the file has "fc\.c", "fc\.lut"/] },
  { name: 'gen-rtl: wrong tensor shape', args: async () => gen(await artifact([goodLayer], [centroids(), { ...lut(), shape: [2, 3, 2], data: new Array(12).fill(1) }])), patterns: [/fc\.lut/, /2, 3, 3/] },
  { name: 'gen-rtl: NaN in a tensor', args: async () => gen(await artifact([goodLayer], [centroids([0, 0, 1, 1, NaN, 0.5, 0.2, 0.3, -0.4, 0.1, 0, 1]), lut()])), patterns: [/NaN/, /fc\.c/, /index \[0, 2, 0\]/] },
  {
    name: 'gen-rtl: integer table outside table.bits',
    args: async () => gen(await artifact([{ ...goodLayer, table: { bits: 4, scale: 0.1 } }], [centroids(), { ...lut(), dtype: 'I8', data: Array.from(lut().data, (v, i) => (i === 3 ? 100 : v)) }])),
    patterns: [/out of range/, /\[-8, 7\]/, /found: +100/],
  },
  { name: 'gen-rtl: integer table without table.scale', args: async () => gen(await artifact([goodLayer], [centroids(), { ...lut(), dtype: 'I8' }])), patterns: [/table\.scale/] },
  { name: 'gen-rtl: float table with table.scale', args: async () => gen(await artifact([{ ...goodLayer, table: { bits: 8, scale: 0.5 } }])), patterns: [/table\.scale/] },
  { name: 'gen-rtl: input.scale 1e300', args: async () => gen(await artifact([{ ...goodLayer, input: { bits: 8, scale: 1e300 } }])), patterns: [/layers\[0\]\.input\.scale/, /from 1e-30 to 1e\+30/, /1e\+300/] },
  { name: 'gen-rtl: output.scale 0', args: async () => gen(await artifact([{ ...goodLayer, output: { bits: 8, scale: 0 } }])), patterns: [/layers\[0\]\.output\.scale/] },
  { name: 'gen-rtl: 17-bit input', args: async () => gen(await artifact([{ ...goodLayer, input: { bits: 17, scale: 0.1 } }])), patterns: [/input\.bits/, /from 2 to 16/, /17/] },
  {
    name: 'gen-rtl: truncated safetensors',
    args: async () => {
      const m = await artifact();
      const st = join(m, '..', 'm.safetensors');
      const bytes = await readFile(st);
      await writeFile(st, bytes.subarray(0, bytes.length - 7));
      return gen(m);
    },
    patterns: [/truncated/, /m\.safetensors/],
  },
  {
    name: 'gen-rtl: safetensors with an absurd header length',
    args: async () => {
      const m = await artifact();
      await writeFile(join(m, '..', 'm.safetensors'), Buffer.alloc(64, 0xff));
      return gen(m);
    },
    patterns: [/header length/],
  },
  {
    name: 'gen-rtl: unsupported dtype (F64) in the artifact',
    args: async () => {
      const m = await artifact();
      const st = join(m, '..', 'm.safetensors');
      await writeFile(st, Buffer.from((await readFile(st)).toString('latin1').replace('"F32"', '"F64"'), 'latin1'));
      return gen(m);
    },
    patterns: [/F64/, /F32, F16, I8, I16, I32/],
  },
  {
    name: 'gen-rtl: an unknown dtype string in the tensor file',
    args: async () => {
      const m = await artifact();
      const st = join(m, '..', 'm.safetensors');
      await writeFile(st, Buffer.from((await readFile(st)).toString('latin1').replace('"F32"', '"Q77"'), 'latin1'));
      return gen(m);
    },
    patterns: [/Q77/, /F32/],
  },
  { name: 'gen-rtl: a layer name with a semicolon', args: async () => gen(await artifact([{ ...goodLayer, name: 'a;b' }])), patterns: [/layers\[0\]\.name/, /a;b/] },
  {
    name: 'gen-rtl: nnlut breakpoints decreasing',
    args: async () => gen(await artifact([{ name: 'g', kind: 'nnlut', features: 2, input: { bits: 8, scale: 0.1 }, output: { bits: 8, scale: 0.1 }, breakpoints: [1, 0.5], slopes: [0, 1, 0], intercepts: [0, 0, 0] }], [])),
    patterns: [/breakpoints/, /breakpoints\[1\]/],
  },
  {
    name: 'gen-rtl: nnlut slopes of the wrong length',
    args: async () => gen(await artifact([{ name: 'g', kind: 'nnlut', features: 2, input: { bits: 8, scale: 0.1 }, output: { bits: 8, scale: 0.1 }, breakpoints: [0], slopes: [0, 1, 2], intercepts: [0, 0] }], [])),
    patterns: [/slopes/, /2 values/],
  },
  {
    name: 'gen-rtl: chained layers disagree on the scale (suggests a requant step)',
    args: async () => gen(await artifact([goodLayer, { name: 'g', kind: 'nnlut', features: 3, input: { bits: 8, scale: 0.2 }, output: { bits: 8, scale: 0.1 }, breakpoints: [0], slopes: [0, 1], intercepts: [0, 0] }])),
    patterns: [/cannot take the output/, /scale/, /requant/],
  },
  { name: 'gen-rtl: --out under a file', args: async () => ({ argv: ['gen-rtl', '--model', await artifact(), '--out', join(await file('afile', 'x'), 'sub', 'rtl')] }), patterns: [/Cannot create the output folder/, /not a folder/] },
  {
    name: 'gen-rtl: --out is a folder lutnn did not write',
    args: async () => {
      const own = folder();
      await mkdir(own, { recursive: true });
      await writeFile(join(own, 'thesis.tex'), 'precious');
      return { argv: ['gen-rtl', '--model', await artifact(), '--out', own], unchanged: join(own, 'thesis.tex') };
    },
    patterns: [/Refusing to replace a folder that lutnn did not write/, /thesis\.tex/],
  },
  { name: 'gen-rtl: hw.yaml unknown knob', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'codebooks_per_cyle: 2\n')]), patterns: [/hw\.yaml/, /codebooks_per_cyle/] },
  { name: 'gen-rtl: hw.yaml knob out of range', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'tree_levels_per_stage: 0\n')]), patterns: [/tree_levels_per_stage/, /found: +0/] },
  { name: 'gen-rtl: hw.yaml overrides a layer the artifact lacks', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'layers:\n  fc9:\n    codebooks_per_cycle: 1\n')]), patterns: [/layers\.fc9/, /fc/] },
  { name: 'gen-rtl: hw.yaml io is neither parallel nor stream', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'io: axi\n')]), patterns: [/hw\.yaml/, /io/, /"parallel", "stream"/, /"axi"/] },
  { name: 'gen-rtl: hw.yaml input_buffer without io: stream', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'input_buffer: block\n')]), patterns: [/hw\.yaml/, /input_buffer \(layer fc\)/, /io: stream/, /found: +io: parallel, input_buffer: block/] },
  { name: 'gen-rtl: hw.yaml input_buffer: block with beats that split a step', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'io: stream\nelements_per_beat: 3\ninput_buffer: block\n')]), patterns: [/block-RAM input buffer/, /input_buffer \(layer fc\)/, /elements_per_beat dividing the 4 elements/, /found: +a step's word of 4 elements is not whole beats of 3/] },
  { name: 'gen-rtl: hw.yaml elements_per_beat without io: stream', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'elements_per_beat: 2\n')]), patterns: [/hw\.yaml/, /elements_per_beat \(layer fc\)/, /io: stream/, /found: +io: parallel, elements_per_beat: 2/] },
  {
    name: 'gen-rtl: hw.yaml neighbouring layers with different io',
    args: async () => {
      const fc2 = { ...goodLayer, name: 'fc2', in_features: 3, out_features: 2, num_codebooks: 3, subvector_len: 1, tensors: { centroids: 'fc2.c', lut: 'fc2.lut' } };
      const tensors = [centroids(), lut(), { name: 'fc2.c', dtype: 'F32' as const, shape: [3, 3, 1], data: [0, 1, -1, 0.5, 0, -0.5, 1, 0, -1] }, { name: 'fc2.lut', dtype: 'F32' as const, shape: [3, 3, 2], data: Array.from({ length: 18 }, (_, i) => (i % 5) - 2) }];
      return gen(await artifact([goodLayer, fc2], tensors), ['--config', await file('hw.yaml', 'io: stream\nlayers:\n  fc2:\n    io: parallel\n')]);
    },
    patterns: [/hw\.yaml/, /layers\.fc2 io/, /a stream of 3 elements per beat/, /whole vectors/],
  },
  { name: 'gen-rtl: hw.yaml is not YAML', args: async () => gen(await artifact(), ['--config', await file('hw.yaml', 'a: [1, 2\n')]), patterns: [/hw\.yaml/] },
  {
    name: 'gen-rtl: tables past the size limit (C·K·M entries)',
    args: async () => {
      const M = 140_000;
      const layer = { ...goodLayer, in_features: 1, out_features: M, num_codebooks: 1, num_centroids: 256, subvector_len: 1, tensors: { centroids: 'fc.c', weight: 'fc.w' } };
      return gen(await artifact([layer], [{ name: 'fc.c', dtype: 'F32', shape: [1, 256, 1], data: Array.from({ length: 256 }, (_, i) => i / 256) }, { name: 'fc.w', dtype: 'F32', shape: [1, 1, M], data: new Float32Array(M).fill(0.5) }]));
    },
    patterns: [/size limit/, /35,840,000 table entries/, /--force/],
  },
  {
    name: 'gen-rtl: a design of too many files (one table bank per codebook)',
    args: async () => {
      const C = 2100;
      const layer = { ...goodLayer, in_features: C, out_features: 1, num_codebooks: C, num_centroids: 2, subvector_len: 1 };
      return gen(await artifact([layer], [{ name: 'fc.c', dtype: 'F32', shape: [C, 2, 1], data: Array.from({ length: 2 * C }, (_, i) => (i % 2) - 0.5) }, { name: 'fc.lut', dtype: 'F32', shape: [C, 2, 1], data: Array.from({ length: 2 * C }, (_, i) => (i % 3) - 1) }]));
    },
    patterns: [/size limit/, /files/, /codebooks_per_cycle/, /--force/],
  },
  { name: 'gen-rtl: requantizer past 53 bits', args: async () => gen(await artifact([{ ...goodLayer, output: { bits: 16, scale: 1e-25 } }]), ['--config', await file('hw.yaml', 'multiplier_bits: 31\n')]), patterns: [/would need \d+ bits/, /output scale 1e-25/] },

  // ---- sim ----
  { name: 'sim: not a design folder', args: async () => ({ argv: ['sim', root] }), patterns: [/Not a generated design folder/, /plan\.json/] },
  {
    name: 'sim: design folder missing a .v file',
    args: async () => {
      const d = folder();
      await cp(design, d, { recursive: true });
      const v = (await readdir(d)).find((f) => f.endsWith('_ccs.v'))!;
      await rm(join(d, v));
      return { argv: ['sim', d] };
    },
    patterns: [/design folder is incomplete/, /_ccs\.v/, /regenerate it: npx lutnn gen-rtl/],
  },
  { name: 'sim: --load into a design without writable tables', args: async () => ({ argv: ['sim', design, '--load', join(root, 'good', 'model.json')] }), patterns: [/no table load port/, /--load/, /table_storage: ram/] },
  { name: 'sim: --vectors 1e12', args: async () => ({ argv: ['sim', design, '--vectors', '1e12'] }), patterns: [/Too many vectors/, /--vectors/, /GB/] },
  { name: 'sim: --vectors lots', args: async () => ({ argv: ['sim', design, '--vectors', 'lots'] }), patterns: [/--vectors/, /"lots"/] },
  { name: 'sim: --vectors 0', args: async () => ({ argv: ['sim', design, '--vectors', '0'] }), patterns: [/--vectors/, /an integer >= 1/] },
  { name: 'sim: --gap 1.5', args: async () => ({ argv: ['sim', design, '--gap', '1.5'] }), patterns: [/--gap/, /\[0, 1\)/] },
  { name: 'sim: unknown dataset', args: async () => ({ argv: ['sim', design, '--dataset', 'cifar'] }), patterns: [/Unknown dataset/, /mnist-test/] },
  { name: 'sim: --dataset and --exhaustive', args: async () => ({ argv: ['sim', design, '--dataset', 'mnist-test', '--exhaustive'] }), patterns: [/choose different inputs/] },
  { name: 'sim: unknown simulator', args: async () => ({ argv: ['sim', design, '--simulator', 'questa'] }), patterns: [/--simulator/, /verilator or icarus/] },
  { name: 'sim: --inputs of the wrong shape', args: async () => ({ argv: ['sim', design, '--inputs', await file('x.npy', npy(new Float32Array(10), [2, 5]))] }), patterns: [/Input array has the wrong shape/, /\(N, 4\)/, /\(2, 5\)/] },
  { name: 'sim: --inputs holding NaN', args: async () => ({ argv: ['sim', design, '--inputs', await file('x.npy', npy(Float32Array.from([0, 1, NaN, 2]), [1, 4]))] }), patterns: [/non-finite/, /row 0, column 2/] },
  { name: 'sim: --reference without --inputs', args: async () => ({ argv: ['sim', design, '--reference', await file('y.npy', npy(new Float32Array(3), [1, 3]))] }), patterns: [/--reference/, /--inputs/] },
  {
    name: 'sim: --reference with the wrong number of rows',
    args: async () => ({ argv: ['sim', design, '--inputs', await file('x.npy', npy(new Float32Array(8), [2, 4])), '--reference', await file('y.npy', npy(new Float32Array(9), [3, 3]))] }),
    patterns: [/do not match the inputs/, /2 rows/, /3 rows/],
  },
  {
    name: 'sim: --labels outside the classes',
    args: async () => ({ argv: ['sim', design, '--inputs', await file('x.npy', npy(new Float32Array(8), [2, 4])), '--labels', await file('l.npy', npy(Int32Array.from([0, 7]), [2]))] }),
    patterns: [/not a class index/, /labels\[1\]/, /\[0, 2\]/],
  },
  { name: 'sim: --model of another artifact', args: async () => ({ argv: ['sim', design, '--vectors', '5', '--model', await artifact([{ ...goodLayer, output: { bits: 8, scale: 0.2 } }])] }), patterns: [/not the one the design was generated from/, /sha256/] },
  {
    name: 'sim: plan.json of an older lutnn',
    args: async () => {
      const d = folder();
      await cp(design, d, { recursive: true });
      const plan = JSON.parse(await readFile(join(d, 'plan.json'), 'utf8'));
      await writeFile(join(d, 'plan.json'), JSON.stringify({ ...plan, planVersion: 1 }));
      return { argv: ['sim', d] };
    },
    patterns: [/incompatible version/, /planVersion/],
  },

  // ---- convert ----
  { name: 'convert: calibration with NaN rows', args: async () => convert(await file('c.npy', npy(Float32Array.from({ length: 64 * 8 }, (_, i) => (i === 100 ? NaN : Math.sin(i))), [64, 8]))), patterns: [/Calibration data holds a non-finite value/, /row 12, column 4/] },
  { name: 'convert: all-zero calibration', args: async () => convert(await file('c.npy', npy(new Float32Array(64 * 8), [64, 8]))), patterns: [/all zeros/] },
  { name: 'convert: calibration of the wrong shape', args: async () => convert(await file('c.npy', npy(new Float32Array(70), [10, 7]))), patterns: [/Calibration data has the wrong shape/, /\(N, 8\)/, /\(10, 7\)/] },
  {
    name: 'convert: an infinite dense weight is named',
    args: async () => {
      const st = await file('dense.safetensors', encodeSafetensors([{ name: 'fc1.weight', dtype: 'F32', shape: [4, 8], data: Array.from({ length: 32 }, (_, i) => (i === 9 ? Infinity : 0.1)) }]));
      return convert(join(FIX, 'calib.npy'), st);
    },
    patterns: [/Non-finite value in tensor "fc1\.weight"/, /Infinity at flat index 9/],
  },
  { name: 'convert: a per-layer sub-vector length for a layer the model lacks', args: async () => convert(join(FIX, 'calib.npy'), join(FIX, 'dense_mlp.onnx'), ['--subvector-len', 'fc9=2,2']), patterns: [/--subvector-len names a layer the model does not have/, /"fc9"/] },
  { name: 'convert: a topology file beside an ONNX graph', args: async () => convert(join(FIX, 'calib.npy'), join(FIX, 'dense_mlp.onnx'), ['--topology', await file('t.yaml', 'layers:\n  fc1: { kind: linear }\n')]), patterns: [/An ONNX graph says its own topology/, /--topology/] },
  { name: 'convert: two default sub-vector lengths', args: async () => convert(join(FIX, 'calib.npy'), join(FIX, 'dense_mlp.onnx'), ['--subvector-len', '2,4']), patterns: [/Invalid value for --subvector-len/, /one default V/] },
  { name: 'convert: sub-vector length does not divide', args: async () => convert(join(FIX, 'calib.npy'), join(FIX, 'dense_mlp.onnx'), ['--subvector-len', '3']), patterns: [/does not divide/, /a multiple of 3/] },
  { name: 'convert: unknown dense format', args: async () => convert(join(FIX, 'calib.npy'), await file('dense.h5', 'x')), patterns: [/Unknown dense model format/, /\.h5/] },
  { name: 'convert: too few calibration rows for K', args: async () => convert(await file('c.npy', npy(Float32Array.from({ length: 8 * 8 }, (_, i) => Math.cos(i)), [8, 8]))), patterns: [/Too few calibration rows/, /K = 16/] },
  {
    name: 'convert: working memory past the size limit',
    args: async () => {
      const st = await file('dense.safetensors', encodeSafetensors([{ name: 'fc1.weight', dtype: 'F32', shape: [1000, 1], data: new Float32Array(1000).fill(0.5) }]));
      const calib = await file('c.npy', npy(Float32Array.from({ length: 100_000 }, (_, i) => (i % 17) / 17), [100_000, 1]));
      return convert(calib, st, ['--subvector-len', '1']);
    },
    patterns: [/working memory/, /size limit/, /--force/],
  },

  // ---- import ----
  { name: 'convert: unknown --encoder', args: async () => convert(join(FIX, 'calib.npy'), undefined, ['--encoder', 'pq-tree']), patterns: [/Unknown encoder/, /--encoder/, /ccs or hash-tree/, /"pq-tree"/] },
  { name: 'convert: hash tree with K not a power of two', args: async () => convert(join(FIX, 'calib.npy'), undefined, ['--encoder', 'hash-tree', '-K', '12']), patterns: [/2\^depth leaves/, /-K, --centroids/, /power of two/, /found: +12/] },
  { name: 'convert: --refine with a hash tree', args: async () => convert(join(FIX, 'calib.npy'), undefined, ['--encoder', 'hash-tree', '--refine', '3']), patterns: [/--refine refines k-means centroids/, /--ridge/] },
  { name: 'convert: --ridge with the closest-centroid search', args: async () => convert(join(FIX, 'calib.npy'), undefined, ['--ridge', '1']), patterns: [/--ridge refines a hash tree/, /--encoder hash-tree/] },
  { name: 'convert: negative --ridge', args: async () => convert(join(FIX, 'calib.npy'), undefined, ['--encoder', 'hash-tree', '--ridge', '-1']), patterns: [/--ridge/, /-1/] },
  { name: 'import: halut, a plain .npy array', args: async () => imp(join(REAL, 'halut', 'halut_test_x.npy'), 'halut', ['--calib', join(REAL, 'halut', 'halut_calib.npy')]), patterns: [/not an object array/, /halut_test_x\.npy/, /'\|O'/, /\(397, 64\)/] },
  { name: 'import: halut state dict asked for the hash tree', args: async () => imp(join(REAL, 'halut', 'halut_linear_state.safetensors'), 'halut', ['--encoder', 'hash-tree', '--calib', join(REAL, 'halut', 'halut_calib.npy')]), patterns: [/no table for the hash tree/, /fc\.lut/, /SIMPLE_LUT/] },
  { name: 'import: halut, unknown --encoder', args: async () => imp(join(REAL, 'halut', 'halut_digits_C16_K16.npy'), 'halut', ['--encoder', 'l1', '--scales', '1,1']), patterns: [/Unknown encoder/, /hash-tree or ccs/, /"l1"/] },
  { name: 'import: --encoder with another format', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--encoder', 'ccs', '--scales', '1,1,1']), patterns: [/--encoder chooses/, /--from halut/, /--from lutnn-onnx/] },
  { name: 'import: unknown --from', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'tflite'), patterns: [/--from/, /lutnn-state, lutnn-onnx, pim-dl-npz/, /"tflite"/] },
  { name: 'import: a LUT-NN convolution state', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1']), patterns: [/Layer "c1" may be a convolution/, /--topology/, /--assume-linear/] },
  { name: 'import: a topology file missing a layer', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'input: { height: 4, width: 4 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n')]), patterns: [/does not say what layer "c2" is/, /layers\.c2/, /kind: conv2d/] },
  { name: 'import: a topology kernel that does not divide the layer', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'input: { height: 4, width: 4 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [3, 3] }\n  c2: { kind: conv2d, kernel_size: [1, 1] }\n')]), patterns: [/cannot be a 3x3 convolution/, /layers\.c1\.kernel_size/, /C·V = 4·2 = 8/] },
  { name: 'import: a first convolution without the image size', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'layers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n  c2: { kind: conv2d, kernel_size: [1, 1] }\n')]), patterns: [/input image is not known/, /input: \{ height, width \}/] },
  { name: 'import: a topology step lutnn import does not build', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'input: { height: 4, width: 4 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n  pool: { kind: maxpool2d, kernel_size: [2, 2] }\n  c2: { kind: conv2d, kernel_size: [1, 1] }\n')]), patterns: [/maxpool2d step, which lutnn import does not build/, /layers\.pool/, /lutnn convert/] },
  { name: 'import: a linear layer after a convolution’s image', args: async () => imp(join(REAL, 'lutnn-conv', 'amm_conv1x1_state.safetensors'), 'lutnn-state', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'input: { height: 4, width: 4 }\nlayers:\n  c1: { kind: conv2d, kernel_size: [1, 1] }\n  c2: { kind: linear }\n')]), patterns: [/Layer "c2" cannot read the flattened output image of convolution "c1"/, /C·V = 4·4·16/, /C·V = 4·4 = 16/] },
  { name: 'import: --topology with another format', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--scales', '1,1,1', '--topology', await file('topology.yaml', 'layers: {}\n')]), patterns: [/--topology describes a LUT-NN state dict/, /--from lutnn-state/] },
  { name: 'import: a state dict that is a .npy file', args: async () => imp(join(FIX, 'calib.npy'), 'lutnn-state'), patterns: [/Not a state dict/, /\.npy array/] },
  { name: 'import: the legacy torch format', args: async () => imp(await file('old.pth', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8])), 'lutnn-state'), patterns: [/legacy torch serialization/, /torch ≥ 1\.6/] },
  {
    name: 'import: a torch checkpoint missing a storage',
    args: async () => {
      const entries = unzipSync(new Uint8Array(await readFile(join(REAL, 'lutnn-mlp-digits', 'lutnn_mlp_digits.pth'))));
      delete entries['lutnn_mlp_digits/data/4'];
      return imp(await file('cut.pth', zipSync(entries)), 'lutnn-state', ['--calib', join(REAL, 'lutnn-mlp-digits', 'calib.npy')]);
    },
    patterns: [/storage is missing/, /data\/4/],
  },
  { name: 'import: --layers naming a layer the checkpoint lacks', args: async () => imp(join(REAL, 'lutnn-mlp-digits', 'lutnn_mlp_digits.pth'), 'lutnn-state', ['--layers', 'fc1,fc7']), patterns: [/"fc7" is not a LUT-NN layer/, /fc1, fc2, fc3/] },
  { name: 'import: a LUT-NN ONNX convolution', args: async () => imp(await file('conv.onnx', lutnnOnnxBytes(fixtureLayers(), 'DPQConv2d')), 'lutnn-onnx', ['--scales', '1,1,1']), patterns: [/DPQConv2d is a convolution/, /not supported yet/] },
  { name: 'import: an unsupported ONNX operator', args: async () => imp(await file('odd.onnx', lutnnOnnxBytes(fixtureLayers(), 'Softmax')), 'lutnn-onnx', ['--scales', '1,1,1']), patterns: [/Unsupported operator Softmax/, /"odd"/] },
  { name: 'import: not an ONNX file', args: async () => imp(await file('x.onnx', 'hello'), 'lutnn-onnx'), patterns: [/ONNX/] },
  { name: 'import: PIM-DL, several operators and one .npy calibration', args: async () => imp(join(REAL, 'pim-dl', 'tiny_bert_pimdl.npz'), 'pim-dl-npz', ['--calib', join(REAL, 'pim-dl', 'query_x.npy')]), patterns: [/cannot calibrate several operators/, /--layers/] },
  { name: 'import: PIM-DL, an unknown operator', args: async () => imp(join(REAL, 'pim-dl', 'tiny_bert_pimdl.npz'), 'pim-dl-npz', ['--layers', '0.attention.self.qkv', '--scales', '1,1']), patterns: [/not a LUT operator/, /0\.attention\.self\.query/] },
  { name: 'import: --calib and --scales together', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--calib', join(FIX, 'calib.npy'), '--scales', '1,1,1']), patterns: [/--calib and --scales/] },
  { name: 'import: wrong number of --scales', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--scales', '1,2']), patterns: [/Wrong number of scales/, /3 positive numbers/] },
  { name: 'import: neither --calib nor --scales', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx'), patterns: [/calibration data or explicit scales/] },
  { name: 'import: calibration with Infinity', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--calib', await file('c.npy', npy(Float32Array.from({ length: 16 }, (_, i) => (i === 3 ? Infinity : i)), [2, 8]))]), patterns: [/non-finite/, /row 0, column 3/] },
  { name: 'import: --bits 17', args: async () => imp(join(FIX, 'lutnn_dpq.onnx'), 'lutnn-onnx', ['--bits', '17']), patterns: [/--bits/, /from 2 to 16/] },
  { name: 'import: NN-LUT JSON without formats', args: async () => imp(join(FIX, 'nnlut_gelu.json'), 'nnlut-json'), patterns: [/no fixed-point formats/, /--in-format and --out-format/] },

  // ---- synth / handoff ----
  { name: 'synth: unknown target', args: async () => ({ argv: ['synth', design, '--target', 'virtex2'] }), patterns: [/virtex2/, /ice40-hx8k/] },
  { name: 'synth: not a design folder', args: async () => ({ argv: ['synth', root, '--no-pnr'] }), patterns: [/plan\.json/] },
  { name: 'synth: bad clock', args: async () => ({ argv: ['synth', design, '--freq', '-5'] }), patterns: [/--freq/] },
  { name: 'handoff: unknown vendor', args: async () => ({ argv: ['handoff', design, '--vendor', 'tabula', '-o', join(folder(), 'h')] }), patterns: [/tabula/, /vivado/] },
];

async function convert(calib: string, dense = join(FIX, 'dense_mlp.onnx'), extra: string[] = []): Promise<{ argv: string[]; out: string }> {
  const out = join(folder(), 'art');
  return { argv: ['convert', '--dense', dense, '--calib', calib, '-o', out, ...extra], out };
}

async function imp(input: string, from: string, extra: string[] = []): Promise<{ argv: string[]; out: string }> {
  const out = join(folder(), 'imp');
  return { argv: ['import', input, '--from', from, '-o', out, ...extra], out };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-bad-'));
  const model = await writeArtifact(join(root, 'good'), manifest([goodLayer]), [centroids(), lut()]);
  design = join(root, 'design');
  await genRtl({ model, out: design });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('inputs that used to crash, now handled', () => {
  it('a valid artifact with all-zero centroids generates and simulates (distances wide enough for the inputs)', async () => {
    const model = await artifact([goodLayer], [centroids(new Array(12).fill(0)), lut()]);
    const out = join(folder(), 'rtl');
    const g = await execa('node', [LUTNN, 'gen-rtl', '--model', model, '--out', out, '-q'], { cwd: root, reject: false });
    expect(g.exitCode, g.stderr).toBe(0);
    const s = await execa('node', [LUTNN, 'sim', out, '--vectors', '200', '-q'], { cwd: root, reject: false });
    expect(s.exitCode, s.stdout + s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^PASS  200 vectors bit-exact/m);
    expect(s.stdout).toMatch(/^PASS  golden model equals the independent reference/m);
  });
});

describe('bad input: a clear error, exit 1, nothing written', () => {
  it('covers at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  describe.concurrent('cases', () => {
    for (const c of cases) {
      it(c.name, async () => {
        const { argv, out, unchanged } = await c.args();
        const before = unchanged ? await readFile(unchanged) : null;
        const r = await execa('node', [LUTNN, ...argv], { cwd: root, reject: false });
        expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(1);
        expect(r.stderr).toMatch(/^lutnn: error: /m);
        expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
        expect(r.stderr).not.toMatch(/internal error/);
        for (const p of c.patterns) expect(r.stderr).toMatch(p);
        if (out) {
          expect(existsSync(out), `${out} was written`).toBe(false);
          const parent = join(out, '..');
          if (existsSync(parent)) expect((await readdir(parent)).filter((f) => f.includes('.tmp-'))).toEqual([]);
        }
        if (unchanged) expect(Buffer.compare(await readFile(unchanged), before!)).toBe(0);
      });
    }
  });
});
