import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { importNnlutJson, parseLenientJson, readNnlutTableFile } from '../../generator/nnlut/table-file.ts';
import { nnlutLayerManifest } from '../support/nnlut-artifact.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-art-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const layer = (over: object = {}) => ({
  ...nnlutLayerManifest('act', { features: 4, inBits: 8, inScale: 0.0625, outBits: 8, outScale: 0.0625, rangeReduction: 'none', coefficientBits: 16, breakpoints: [-1, 1], slopes: [0, 0.5, 1], intercepts: [0, 0.5, 0] }),
  ...over,
});
const load = async (l: object, name: string) =>
  loadArtifact(await writeArtifact(join(dir, name), { format: 'lutnn-artifact', format_version: 1, name: 'm', tensors: 'model.safetensors', layers: [l] }, []));

describe('nnlut layers in the artifact', () => {
  it('loads an inline table', async () => {
    const a = await load(layer(), 'ok');
    expect(a.layers[0]).toMatchObject({ kind: 'nnlut', features: 4, rangeReduction: 'none', breakpoints: [-1, 1] });
  });
  it('refuses unsorted breakpoints, naming the index', async () => {
    await expect(load(layer({ breakpoints: [1, -1] }), 'unsorted')).rejects.toThrow(/non-decreasing[\s\S]*breakpoints\[1\]/);
  });
  it('accepts a repeated breakpoint (an empty segment)', async () => {
    const a = await load(layer({ breakpoints: [1, 1] }), 'repeated');
    expect(a.layers[0]).toMatchObject({ kind: 'nnlut', breakpoints: [1, 1] });
  });
  it('takes up to 256 breakpoints (257 segments: NN-LUT\'s H = 256 tables), not 257', async () => {
    const n = (k: number) => ({ breakpoints: Array.from({ length: k }, (_, i) => -4 + i / 64), slopes: new Array(k + 1).fill(0), intercepts: new Array(k + 1).fill(0) });
    expect((await load(layer(n(256)), 'h256')).layers[0]).toMatchObject({ kind: 'nnlut' });
    await expect(load(layer(n(257)), 'h257')).rejects.toThrow(/at most 256 breakpoints/);
  });
  it('refuses a slope count other than breakpoints + 1', async () => {
    await expect(load(layer({ slopes: [0, 1] }), 'len')).rejects.toThrow(/3 values/);
  });
  it('refuses non-finite numbers (1e999 parses to Infinity)', async () => {
    const d = join(dir, 'inf');
    await writeArtifact(d, { format: 'lutnn-artifact', format_version: 1, name: 'm', tensors: 'model.safetensors', layers: [layer()] }, []);
    const text = (await import('node:fs/promises')).readFile(join(d, 'model.json'), 'utf8');
    await writeFile(join(d, 'model.json'), (await text).replace('"intercepts": [\n        0,', '"intercepts": [\n        1e999,'));
    await expect(loadArtifact(join(d, 'model.json'))).rejects.toThrow(/finite/);
  });
});

describe('NN-LUT JSON importer', () => {
  it('reads {op, hidden, cut_points, slopes, biases} with Python ±Infinity end points', () => {
    const raw = parseLenientJson('{"op": "gelu", "hidden": 2, "cut_points": [-Infinity, -1.0, 1.0, Infinity], "slopes": [0, 0.5, 1], "biases": [0, 0.5, 0]}', 'x.json');
    const t = importNnlutJson(raw, 'x.json');
    expect(t).toMatchObject({ function: 'gelu', breakpoints: [-1, 1], slopes: [0, 0.5, 1], intercepts: [0, 0.5, 0] });
  });
  it('refuses unsorted cut points, NaN, and missing infinite end points; accepts a repeated cut point', () => {
    expect(() => importNnlutJson({ cut_points: ['-inf', 1, -1, 'inf'], slopes: [0, 0, 0], biases: [0, 0, 0] }, 'x')).toThrow(/non-decreasing[\s\S]*cut_points\[2\]/);
    expect(importNnlutJson({ cut_points: ['-inf', 1, 1, 'inf'], slopes: [0, 0, 0], biases: [0, 0, 0] }, 'x').breakpoints).toEqual([1, 1]);
    expect(() => importNnlutJson(parseLenientJson('{"cut_points": [-Infinity, 0, Infinity], "slopes": [NaN, 1], "biases": [0, 0]}', 'x'), 'x')).toThrow(/Non-finite/);
    expect(() => importNnlutJson({ cut_points: [-1, 0, 1], slopes: [0, 0], biases: [0, 0] }, 'x')).toThrow(/-inf to \+inf/);
  });
  it('reads a table file written by the fitter format', async () => {
    const f = join(dir, 't.json');
    await writeFile(f, JSON.stringify({ format: 'lutnn-nnlut', format_version: 1, function: 'gelu', range: [-8, 8], input: { bits: 16, scale: 1 / 1024 }, output: { bits: 16, scale: 1 / 1024 }, range_reduction: 'none', coefficient_bits: 16, breakpoints: [0], slopes: [0, 1], intercepts: [0, 0] }));
    expect(await readNnlutTableFile(f)).toMatchObject({ function: 'gelu', breakpoints: [0], input: { bits: 16 } });
  });
});
