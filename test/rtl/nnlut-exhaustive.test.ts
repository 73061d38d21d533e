/**
 * NN-LUT units end to end: every representable q6.10 input (65,536 per element) through Verilator
 * for a fitted 16-segment GELU and a range-reduced 1/sqrt, bit-exact against the golden model;
 * Icarus portability; and the bundled lut_linear → GELU example chained and bit-exact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../generator/emit/render.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { fitNnlut } from '../../generator/nnlut/fit.ts';
import { NNLUT_FUNCTIONS } from '../../generator/nnlut/functions.ts';
import { designSources } from '../../tb/build.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { writeNnlutArtifact } from '../support/nnlut-artifact.ts';

const Q6_10 = { bits: 16, scale: 2 ** -10 };
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-x-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function fittedDesign(name: string, fn: string, lanes: number, stages: number, features: number) {
  const f = NNLUT_FUNCTIONS[fn];
  const r = fitNnlut({ fn: f, segments: 16, range: f.defaultRange, input: Q6_10, output: Q6_10, seed: 1 });
  const { model, config } = await writeNnlutArtifact(join(root, name), {
    features, inBits: 16, inScale: Q6_10.scale, outBits: 16, outScale: Q6_10.scale, rangeReduction: r.rangeReduction,
    coefficientBits: r.coefficientBits, ...r.table, lanes, stages, fn,
  });
  const out = join(root, `${name}-rtl`);
  const { plan } = await genRtl({ model, config, out });
  return { out, plan, fit: r };
}

describe('exhaustive Verilator proof of fitted tables (all 65,536 q6.10 inputs)', () => {
  it('GELU, 16 segments: lint-clean, Icarus-clean, bit-exact on every input, within the 4e-3 target', async () => {
    const { out, plan, fit } = await fittedDesign('gelu', 'gelu', 2, 2, 2);
    expect(fit.errors.maxAbs).toBeLessThanOrEqual(4e-3);
    expect(await lintDesign(out, plan.top)).toBe('');
    const { verilog } = await designSources(out);
    const ic = await execa('iverilog', ['-g2005', '-Wall', '-Wno-timescale', '-s', plan.top, '-o', join(root, 'gelu.vvp'), ...verilog], { cwd: out, reject: false, all: true });
    expect(ic.exitCode, ic.all).toBe(0);
    expect(ic.all ?? '').toBe('');
    const started = performance.now();
    const r = await verifyDesign(out, { vectors: 0, seed: 1, exhaustive: true });
    expect(r.vectors).toBe(65536);
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    expect(r.timing?.ok).toBe(true);
    expect((performance.now() - started) / 1000 - r.build.buildSeconds).toBeLessThan(20); // the run itself takes seconds
  });

  it('1/sqrt with power-of-two range reduction, 16 segments, 4 pipeline stages: bit-exact on every input', async () => {
    const { out, plan } = await fittedDesign('rsqrt', 'rsqrt', 1, 4, 1);
    expect(await lintDesign(out, plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 0, seed: 2, exhaustive: true });
    expect(r.vectors).toBe(65536);
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
  });
});

describe('bundled example: lut_linear -> GELU nnlut', () => {
  it('chains bit-exactly (lint-clean, 3000 vectors with gaps and back-pressure, planned latency and II)', async () => {
    const dir = join(PROJECT_ROOT, 'examples', 'lut_linear_gelu');
    const out = join(root, 'lingelu');
    const { plan } = await genRtl({ model: join(dir, 'model.json'), config: join(dir, 'hw.yaml'), out });
    expect(plan.layers.map((l) => l.kind)).toEqual(['lut_linear', 'nnlut']);
    expect(plan.timing.latency).toBe(plan.layers[0].timing.latency + plan.layers[1].timing.latency);
    expect(await lintDesign(out, plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 3000, seed: 4 });
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    expect(r.timing).toMatchObject({ ok: true, measuredLatency: plan.timing.latency });
  });
});
