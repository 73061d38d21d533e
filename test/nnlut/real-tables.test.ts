/**
 * Real NN-LUT tables (github.com/neulxf/NN-LUT) as they are: the verbatim H = 10 divide table
 * (test/support/nnlut-real-tables.ts) read, judged and imported; repeated cut points as empty segments in
 * every reader and in the planned table; NN-LUT's op names.
 */
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { NnlutLayer } from '../../generator/artifact/types.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { runDesign } from '../../generator/golden/design.ts';
import { NNLUT_FUNCTIONS, NNLUT_JSON_OPS } from '../../generator/nnlut/functions.ts';
import { reportTable } from '../../generator/nnlut/report.ts';
import { importNnlutJson, parseLenientJson, readNnlutTableFile } from '../../generator/nnlut/table-file.ts';
import { evalNnlut, quantizeNnlut, segmentOf } from '../../generator/numeric/nnlut.ts';
import { planDesign } from '../../generator/plan/design.ts';
import { nnlutTableOf } from '../../generator/plan/nnlut.ts';
import type { NnlutPlan } from '../../generator/plan/types.ts';
import { nnlutLayerManifest } from '../support/nnlut-artifact.ts';
import { nnlutSegment, REAL_DIVIDE_H10_SOURCE, REAL_DIVIDE_H10_TEXT, realDivideH10, repeatedCutsText, sha256 } from '../support/nnlut-real-tables.ts';

const LUTNN = join(PROJECT_ROOT, 'bin', 'lutnn.js');
const Q12_4 = { bits: 16, scale: 2 ** -4 }; // reaches 2047.9: covers divide's [1, 1024]
const Q2_14 = { bits: 16, scale: 2 ** -14 }; // 1/x ≤ 1 on [1, 1024]
let tmp: string;
let realFile: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-real-'));
  realFile = join(tmp, 'lut_details_divide_H10_sub.json');
  await writeFile(realFile, REAL_DIVIDE_H10_TEXT);
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));
const lutnn = (...args: string[]) => execa('node', [LUTNN, ...args], { cwd: tmp, reject: false });

describe('the real NN-LUT divide table (H = 10), verbatim', () => {
  it('is the published file, byte for byte', () => {
    expect(Buffer.byteLength(REAL_DIVIDE_H10_TEXT)).toBe(REAL_DIVIDE_H10_SOURCE.bytes);
    expect(sha256(REAL_DIVIDE_H10_TEXT)).toBe(REAL_DIVIDE_H10_SOURCE.sha256);
  });

  it('reads as it is: op divide known, 11 segments, no range reduction, trained range [1, 1024]', async () => {
    const t = await readNnlutTableFile(realFile);
    expect(t).toMatchObject({ source: 'nnlut-json', function: 'divide', rangeReduction: 'none', range: [1, 1024], input: null, output: null });
    expect(t.breakpoints).toHaveLength(10);
    expect(t.slopes).toHaveLength(11);
    expect(t.breakpoints).toEqual(realDivideH10().cut_points.slice(1, -1));
    expect(t.slopes[10]).toBe(0);
    expect(t.intercepts[10]).toBe(0);
    expect(NNLUT_FUNCTIONS.divide.rangeReduction).toBe('none');
    expect(NNLUT_FUNCTIONS.divide.f(4)).toBe(0.25);
  });

  it('report-nnlut judges it on [1, 1024] with --in-format q12.4 --out-format q2.14', async () => {
    const r = await lutnn('report-nnlut', realFile, '--in-format', 'q12.4', '--out-format', 'q2.14', '--svg', join(tmp, 'divide10.svg'));
    expect(r.exitCode, r.stderr).toBe(0);
    console.log(`npx lutnn report-nnlut lut_details_divide_H10_sub.json --in-format q12.4 --out-format q2.14\n${r.stdout}`);
    expect(r.stdout).toMatch(/table +divide, 11 segments/);
    expect(r.stdout).toMatch(/range +\[1, 1024\]: NN-LUT's training range for divide/);
    const m = /on \[1, 1024\] \(16369 inputs\): max \|e\| ([0-9.e+-]+), mean \|e\| ([0-9.e+-]+), max rel ([0-9.e+-]+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    // The same figures as the library call, and close to the float table's own error (2.495e-2
    // max, bisect_right in float64 on the same 16369 inputs): quantization adds little.
    const lib = reportTable({ ...(await readNnlutTableFile(realFile)), input: Q12_4, output: Q2_14 }, undefined, null, realFile);
    expect(Number(m![1])).toBeCloseTo(lib.errors.maxAbs, 5);
    expect(Number(m![2])).toBeCloseTo(lib.errors.meanAbs, 6);
    const t = realDivideH10();
    let floatMax = 0;
    for (let k = 16; k <= 1024 * 16; k++) {
      const x = k / 16;
      const i = nnlutSegment(t.cut_points, x);
      floatMax = Math.max(floatMax, Math.abs(t.slopes[i] * x + t.biases[i] - 1 / x));
    }
    expect(floatMax).toBeCloseTo(0.02495, 4);
    expect(lib.errors.maxAbs).toBeGreaterThanOrEqual(floatMax - Q2_14.scale);
    expect(lib.errors.maxAbs).toBeLessThan(floatMax + 4 * Q2_14.scale);
    expect((await readFile(join(tmp, 'divide10.svg'), 'utf8')).startsWith('<!-- lutnn report-nnlut plot')).toBe(true);
  });

  it('clips NN-LUT\'s training range to an input format that cannot reach it, and says so', async () => {
    const r = await lutnn('report-nnlut', realFile, '--in-format', 'q6.10', '--out-format', 'q2.14', '--svg', join(tmp, 'clip.svg'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/range +\[1, 31\.9990234375\]: NN-LUT's training range for divide \[1, 1024\] clipped to the input format/);
    const bad = await lutnn('report-nnlut', realFile, '--in-format', 'q6.10', '--out-format', 'q2.14', '--range', '1,1024', '--svg', join(tmp, 'clip.svg'));
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/--range does not fit the input format[\s\S]*--in-format/);
  });

  it('imports with range reduction none and plans', async () => {
    const out = join(tmp, 'art-divide');
    const r = await lutnn('import', realFile, '--from', 'nnlut-json', '--in-format', 'q12.4', '--out-format', 'q2.14', '-o', out);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/11 segments, range reduction none, function divide/);
    const artifact = await loadArtifact(join(out, 'model.json'));
    expect(artifact.layers[0]).toMatchObject({ kind: 'nnlut', name: 'divide', function: 'divide', rangeReduction: 'none' });
    const design = planDesign(artifact, await loadHwConfig(undefined), { manifest: 'x', regenerateCommand: 'x' });
    const plan = design.layers[0] as NnlutPlan;
    expect(plan.dims.segments).toBe(11);
    // x goes straight into the table: x = 2 (32 LSBs) → segment 3 (1.44 ≤ 2 < 2.15), 1/2 ≈ -0.3239·2 + 1.1426.
    const y = runDesign(design, Int32Array.from([32]))[0] * Q2_14.scale;
    expect(y).toBeCloseTo(-0.3238562345504761 * 2 + 1.1426352262496948, 3);
  });
});

describe('NN-LUT op names', () => {
  const table = (op: string) => REAL_DIVIDE_H10_TEXT.replace('"op": "divide"', `"op": ${JSON.stringify(op)}`);

  it('knows exactly silu, gelu, exp, divide, invsqrt with their training ranges; divide/invsqrt are plain 1/x, 1/sqrt(x)', () => {
    expect(Object.keys(NNLUT_JSON_OPS).sort()).toEqual(['divide', 'exp', 'gelu', 'invsqrt', 'silu']);
    expect(NNLUT_JSON_OPS.divide.trainedRange).toEqual([1, 1024]);
    expect(NNLUT_JSON_OPS.invsqrt.trainedRange).toEqual([0.1, 1024]);
    expect(NNLUT_JSON_OPS.gelu.trainedRange).toEqual([-10, 10]);
    expect(NNLUT_JSON_OPS.silu.trainedRange).toEqual([-10, 10]);
    expect(NNLUT_JSON_OPS.exp.trainedRange).toEqual([-256, 0]);
    expect(NNLUT_FUNCTIONS.invsqrt).toMatchObject({ rangeReduction: 'none', defaultRange: [0.1, 1024] });
    expect(NNLUT_FUNCTIONS.invsqrt.f(4)).toBe(0.5);
    // lutnn's own reciprocal / rsqrt keep their power-of-two range reduction.
    expect(NNLUT_FUNCTIONS.reciprocal.rangeReduction).toBe('reciprocal');
    expect(NNLUT_FUNCTIONS.rsqrt.rangeReduction).toBe('rsqrt');
    for (const op of ['invsqrt', 'rsqrt', 'reciprocal']) {
      // NN-LUT JSON has no range reduction, whatever the op says.
      expect(importNnlutJson(parseLenientJson(table(op), 'x.json'), 'x.json').rangeReduction).toBe('none');
    }
  });

  it('an unknown op: report-nnlut lists the known names and suggests --fn; --fn then works; import keeps it as a name', async () => {
    const f = join(tmp, 'softmax.json');
    await writeFile(f, table('softmax'));
    const r = await lutnn('report-nnlut', f, '--in-format', 'q12.4', '--out-format', 'q2.14');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/op "softmax" is not a function lutnn knows/);
    expect(r.stderr).toMatch(/NN-LUT ops silu, gelu, exp, divide, invsqrt; lutnn functions gelu, .*rsqrt, divide, invsqrt/);
    expect(r.stderr).toMatch(/--fn <name>/);
    const ok = await lutnn('report-nnlut', f, '--fn', 'divide', '--range', '1,1024', '--in-format', 'q12.4', '--out-format', 'q2.14', '--coefficient-bits', '20');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/table +divide, 11 segments.*20-bit slopes, F = 9/);
    const imp = await lutnn('import', f, '--from', 'nnlut-json', '--in-format', 'q12.4', '--out-format', 'q2.14', '-o', join(tmp, 'art-softmax'));
    expect(imp.exitCode, imp.stderr).toBe(0);
    expect(imp.stdout + imp.stderr).toMatch(/"softmax", unknown to lutnn: informational only/);
  });

  it('refuses a "hidden" that disagrees with the cut points', () => {
    expect(() => importNnlutJson(parseLenientJson(REAL_DIVIDE_H10_TEXT.replace('"hidden": 10', '"hidden": 9'), 'x.json'), 'x.json')).toThrow(/"hidden" does not match[\s\S]*expected: 10/);
  });
});

describe('repeated cut points: an empty segment', () => {
  let repeatedFile: string;
  beforeAll(async () => {
    repeatedFile = join(tmp, 'divide_repeated.json');
    await writeFile(repeatedFile, repeatedCutsText());
  });

  it('is accepted by the NN-LUT JSON reader; a decrease is refused naming the index', async () => {
    const t = await readNnlutTableFile(repeatedFile);
    expect(t.breakpoints[4]).toBe(t.breakpoints[5]);
    expect(t.breakpoints.slice(6, 8)).toEqual([8, 8]);
    const dec = parseLenientJson(repeatedCutsText().replace('"cut_points": [-Infinity, 0.15410181879997253, 0.48635414242744446', '"cut_points": [-Infinity, 0.48635414242744446, 0.15410181879997253'), 'x.json');
    expect(() => importNnlutJson(dec, 'x.json')).toThrow(/non-decreasing[\s\S]*field: +cut_points\[2\][\s\S]*expected: a value ≥ cut_points\[1\] = 0.48635414242744446[\s\S]*found: +0.15410181879997253/);
  });

  it('is accepted in a lutnn-nnlut file; a decrease is refused naming the index', async () => {
    const base = { format: 'lutnn-nnlut', format_version: 1, function: 'divide', range: [1, 1024], input: Q12_4, output: Q2_14, range_reduction: 'none', coefficient_bits: 16, slopes: [0, 1, 2, 3], intercepts: [0, 0, 0, 0] };
    const f = join(tmp, 'rep-lutnn.json');
    await writeFile(f, JSON.stringify({ ...base, breakpoints: [1, 2, 2] }));
    expect((await readNnlutTableFile(f)).breakpoints).toEqual([1, 2, 2]);
    await writeFile(f, JSON.stringify({ ...base, breakpoints: [1, 2, 1.5] }));
    await expect(readNnlutTableFile(f)).rejects.toThrow(/non-decreasing[\s\S]*breakpoints\[2\]/);
    await writeFile(f, JSON.stringify({ ...base, breakpoints: [1, 2, 3], range_reduction: 'log' }));
    await expect(readNnlutTableFile(f)).rejects.toThrow(/range_reduction/);
  });

  it('is accepted by the artifact loader; a decrease is refused naming the index', async () => {
    const layer = (breakpoints: number[]) => nnlutLayerManifest('act', { features: 1, inBits: 16, inScale: Q12_4.scale, outBits: 16, outScale: Q2_14.scale, rangeReduction: 'none', coefficientBits: 16, breakpoints, slopes: [0, 0, 0, 0], intercepts: [0, 0.25, 0.5, 0.75] });
    const write = (name: string, l: object) => writeArtifact(join(tmp, name), { format: 'lutnn-artifact', format_version: 1, name: 'm', tensors: 'model.safetensors', layers: [l] }, []);
    const a = await loadArtifact(await write('rep-ok', layer([1, 1, 2])));
    expect(a.layers[0]).toMatchObject({ kind: 'nnlut', breakpoints: [1, 1, 2] });
    await expect(loadArtifact(await write('rep-bad', layer([1, 2, 1])))).rejects.toThrow(/non-decreasing[\s\S]*layers\[0\]\.breakpoints\[2\]/);
  });

  it('imports, plans and evaluates: the golden model never selects an empty segment and agrees with NN-LUT\'s float evaluation at every input', async () => {
    const out = join(tmp, 'art-repeated');
    const r = await lutnn('import', repeatedFile, '--from', 'nnlut-json', '--in-format', 'q12.4', '--out-format', 'q2.14', '-o', out);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/11 segments, 2 empty from repeated breakpoints/);
    const artifact = await loadArtifact(join(out, 'model.json'));
    const design = planDesign(artifact, await loadHwConfig(undefined), { manifest: 'x', regenerateCommand: 'x' });
    const plan = design.layers[0] as NnlutPlan;
    const q = nnlutTableOf(plan);
    expect(q).toEqual(quantizeNnlut(artifact.layers[0] as NnlutLayer));
    const t = parseLenientJson(repeatedCutsText(), 'x') as { cut_points: unknown[]; slopes: number[]; biases: number[] };
    const cuts = t.cut_points.map((v) => (v === '-Infinity' ? -Infinity : v === 'Infinity' ? Infinity : (v as number)));
    const F = 2 ** q.fracBits;
    const used = new Set<number>();
    const all = Int32Array.from({ length: 65536 }, (_, k) => k - 32768);
    const golden = runDesign(design, all);
    const bad: string[] = [];
    let compared = 0;
    for (let k = 0; k < all.length && bad.length < 5; k++) {
      const x = all[k];
      const xr = x * Q12_4.scale;
      const seg = segmentOf(q, x);
      used.add(seg);
      // Segment: the hardware's count of breakpoints ≤ x is NN-LUT's bisect_right (a point on a cut goes right).
      if (seg !== nnlutSegment(cuts, xr)) bad.push(`x=${xr}: segment ${seg}, NN-LUT ${nnlutSegment(cuts, xr)}`);
      if (golden[k] !== evalNnlut(q, x)) bad.push(`x=${xr}: golden ${golden[k]}, evalNnlut ${evalNnlut(q, x)}`);
      // Value: the float table within output rounding (½ LSB) and coefficient rounding (½ unit of S and T at F).
      const ref = t.slopes[seg] * xr + t.biases[seg];
      if (Math.abs(ref) >= 2 - Q2_14.scale) continue; // saturates (x ≤ 0 extrapolates the first line)
      compared++;
      const bound = Q2_14.scale * (0.5 + (0.5 * (Math.abs(x) + 1)) / F) + 1e-12;
      const err = Math.abs(golden[k] * Q2_14.scale - ref);
      if (err > bound) bad.push(`x=${xr}: |hardware − float table| = ${err} > ${bound}`);
    }
    expect(bad).toEqual([]);
    expect(compared).toBeGreaterThan(32000); // every x > 0 at least
    expect(used.has(5)).toBe(false); // cut_points[5] = cut_points[6]
    expect(used.has(7)).toBe(false); // cut_points[7] = cut_points[8] = 8.0
    expect(segmentOf(q, 8 * 16)).toBe(8); // x = 8.0 exactly: right of the repeated cut
    expect(segmentOf(q, 8 * 16 - 1)).toBe(6);
    // report-nnlut counts the empty segments and judges the table.
    const rep = await lutnn('report-nnlut', repeatedFile, '--in-format', 'q12.4', '--out-format', 'q2.14');
    expect(rep.exitCode, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/11 segments \(2 empty/);
  });
});
