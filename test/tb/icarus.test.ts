/**
 * The Icarus Verilog testbench (tb/icarus.ts) against the Verilator harness: for a sample of
 * designs, the same vectors with the same seed, gap and stall give identical outputs, identical
 * accept and output cycles and the golden model's results; the testbench itself compiles
 * warning-free under iverilog -Wall; verifyDesign runs on Icarus (timing check, mismatch with a
 * waveform); a design that never answers trips the same watchdog with the same message.
 */
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { genMac } from '../../generator/gen-mac.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { runDesign } from '../../generator/golden/design.ts';
import type { DesignPlan, LutLinearPlan } from '../../generator/plan/types.ts';
import { buildSimulator, designSources, type BuiltSimulator } from '../../tb/build.ts';
import { buildIcarus, harnessSeed, type IcarusBuild, icarusTestbenchSource, icarusTestbenchTop, rngThreshold, runIcarus } from '../../tb/icarus.ts';
import { runSimulator, type SimOptions } from '../../tb/run.ts';
import { generateDesignVectors } from '../../tb/vectors.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { interpolate, writeNnlutArtifact } from '../support/nnlut-artifact.ts';
import { writeRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { writeRandomNetwork } from '../support/random-network.ts';
import { ccsOf } from '../support/reference-check.ts';

let root: string;

interface Sample {
  name: string;
  dir: string;
  plan: DesignPlan;
  vectors: number;
  verilator?: Promise<BuiltSimulator>;
  icarus?: Promise<IcarusBuild>;
}
const samples: Sample[] = [];
/** A copy of the grouped design whose accumulator never pushes an output. */
let neverAnswers: string;
let neverAnswersVerilator: Promise<BuiltSimulator>;

const small: RandomLayerSpec = {
  K: 6, V: 3, C: 4, M: 5, inBits: 6, outBits: 7, tableBits: 7, metric: 'l2', activation: 'relu', source: 'float', withBias: true,
  duplicateFraction: 0.3, outputScaleFactor: 0.3, codebooksPerCycle: 'all', outputsPerCycle: 'all', treeLevelsPerStage: 1, pipeline: 'max',
  memoryStyle: 'auto', reset: 'sync', seed: 31,
};
const grouped: RandomLayerSpec = {
  K: 8, V: 2, C: 6, M: 10, inBits: 8, outBits: 6, tableBits: 8, metric: 'l1', activation: 'none', source: 'weight', withBias: true,
  duplicateFraction: 0.1, outputScaleFactor: 0.05, codebooksPerCycle: 2, outputsPerCycle: 3, treeLevelsPerStage: 2, pipeline: 'standard',
  memoryStyle: 'distributed', reset: 'async', seed: 32,
};

async function layerDesign(name: string, spec: RandomLayerSpec): Promise<{ dir: string; plan: DesignPlan }> {
  const a = await writeRandomLayer(join(root, name, 'artifact'), spec);
  const dir = join(root, name, 'rtl');
  return { dir, plan: (await genRtl({ ...a, out: dir })).plan };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-icarus-'));
  const example = join(root, 'example');
  const ex = await genRtl({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out: example });
  samples.push({ name: 'bundled example', dir: example, plan: ex.plan, vectors: 150 });

  const pmax = await layerDesign('pmax', small);
  samples.push({ name: 'lut_linear, pipeline: max', ...pmax, vectors: 400 });

  const grp = await layerDesign('groups', grouped);
  samples.push({ name: 'lut_linear, 3 encode steps x 4 output groups, async reset', ...grp, vectors: 300 });

  const tanh = interpolate(Math.tanh, -3, 3, 6);
  const nl = await writeNnlutArtifact(join(root, 'nnlut', 'artifact'), {
    features: 3, inBits: 10, inScale: 2 ** -7, outBits: 9, outScale: 2 ** -7, rangeReduction: 'none', coefficientBits: 10,
    ...tanh, lanes: 2, stages: 2, reset: 'async',
  });
  const nlDir = join(root, 'nnlut', 'rtl');
  samples.push({ name: 'nnlut unit (tanh, 2 lanes over 3 features)', dir: nlDir, plan: (await genRtl({ ...nl, out: nlDir })).plan, vectors: 500 });

  const net = await writeRandomNetwork(join(root, 'net', 'artifact'), {
    reset: 'sync',
    layers: [
      { ...small, K: 5, C: 3, M: 6, pipeline: 'standard', codebooksPerCycle: 2, seed: 41 },
      { ...grouped, K: 4, V: 3, C: 2, M: 4, outputsPerCycle: 2, seed: 42 },
    ],
  });
  const netDir = join(root, 'net', 'rtl');
  samples.push({ name: 'two chained lut_linear layers', dir: netDir, plan: (await genRtl({ model: net.model, config: net.config, out: netDir })).plan, vectors: 300 });

  // Stream ports: the grouped layer in beats of 4 (short last beats), and the chain as AXI4-Stream in beats of 3.
  const st = await writeRandomLayer(join(root, 'stream', 'artifact'), grouped);
  await appendFile(st.config, 'io: stream\nelements_per_beat: 4\n');
  const stDir = join(root, 'stream', 'rtl');
  samples.push({ name: 'lut_linear with stream ports (4 elements per beat)', dir: stDir, plan: (await genRtl({ ...st, out: stDir })).plan, vectors: 200 });
  await appendFile(net.config, 'io: stream\nelements_per_beat: 3\naxi_stream: true\n');
  const axiDir = join(root, 'net-axi', 'rtl');
  samples.push({ name: 'two chained layers as AXI4-Stream (3 byte lanes per beat)', dir: axiDir, plan: (await genRtl({ model: net.model, config: net.config, out: axiDir })).plan, vectors: 200 });

  // The MAC baseline (mac_linear) of the grouped layer: the third layer kind.
  const macDir = join(root, 'mac', 'rtl');
  const mac = await genMac({ model: join(root, 'groups', 'artifact', 'model.json'), config: join(root, 'groups', 'artifact', 'hw.yaml'), out: macDir, regenerateCommand: 'test' });
  samples.push({ name: 'mac_linear baseline (3 input steps x 4 output groups)', dir: macDir, plan: mac.plan, vectors: 300 });

  neverAnswers = join(root, 'broken-output');
  await cp(samples[2].dir, neverAnswers, { recursive: true });
  const acc = join(neverAnswers, `${(samples[2].plan.layers[0] as LutLinearPlan).modules.accumulator}.v`);
  const text = await readFile(acc, 'utf8');
  expect(text).toContain('assign push_o      = push_q;');
  await writeFile(acc, text.replace('assign push_o      = push_q;', "assign push_o      = 1'b0;"));

  // Verilator builds dominate the run time: start them all at once (the two cores stay busy).
  for (const s of samples) {
    s.verilator = buildSimulator(s.dir, s.plan);
    s.icarus = buildIcarus(s.dir, s.plan);
  }
  neverAnswersVerilator = buildSimulator(neverAnswers, samples[2].plan);
  await Promise.all([...samples.flatMap((s) => [s.verilator, s.icarus]), neverAnswersVerilator]);
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('the stimulus arithmetic', () => {
  it('thresholds and seeds follow the harness (value * 2^-53 >= p; strtoull of the seed)', () => {
    expect(rngThreshold(0)).toBe(0n);
    expect(rngThreshold(-0.5)).toBe(0n);
    expect(rngThreshold(0.25)).toBe(2n ** 51n);
    expect(rngThreshold(1)).toBe(2n ** 53n);
    expect(rngThreshold(1.5)).toBe(2n ** 53n + 1n);
    expect(rngThreshold(Number.NaN)).toBe(2n ** 53n + 1n);
    // 0.1 is not a multiple of 2^-53: the threshold rounds up, so value·2^-53 >= 0.1 ⇔ value >= it.
    const t = rngThreshold(0.1);
    expect(Number(t - 1n) * 2 ** -53 < 0.1 && Number(t) * 2 ** -53 >= 0.1).toBe(true);
    expect(harnessSeed(5)).toBe(5n);
    expect(harnessSeed(-1)).toBe(2n ** 64n - 1n);
    expect(harnessSeed(2.9)).toBe(2n);
  });
});

describe('Icarus testbench versus the Verilator harness', () => {
  it('compiles without a warning under iverilog -Wall', async () => {
    const { dir, plan } = samples[0];
    const build = await samples[0].icarus!;
    expect(build.simulator).toBe('icarus');
    expect(build.compilerOutput).toBe('');
    // And on its own text: plain Verilog-2005 with explicit nets.
    const tb = icarusTestbenchSource(plan);
    expect(tb).toContain('`default_nettype none');
    expect(tb).toMatch(new RegExp(`^module ${icarusTestbenchTop(plan)};$`, 'm'));
    const { verilog } = await designSources(dir);
    const tbPath = join(root, 'tb.v');
    await writeFile(tbPath, tb);
    const r = await execa('iverilog', ['-g2005', '-Wall', '-s', icarusTestbenchTop(plan), '-o', join(root, 'tb.vvp'), tbPath, ...verilog], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all ?? '').toBe('');
  });

  const stimuli: [string, Omit<SimOptions, 'seed'>][] = [
    ['gaps 0.25, stalls 0.25', { gapProbability: 0.25, stallProbability: 0.25 }],
    ['no gaps, no stalls', { gapProbability: 0, stallProbability: 0 }],
  ];
  it.each([0, 1, 2, 3, 4, 5, 6, 7])('sample %i: identical outputs and cycles, equal to the golden model', async (i) => {
    const { name, dir, plan, vectors } = samples[i];
    const [verilator, icarus] = await Promise.all([samples[i].verilator!, samples[i].icarus!]);
    const inputs = generateDesignVectors(plan, vectors, 100 + i);
    const expected = runDesign(plan, inputs);
    for (const [what, stim] of stimuli) {
      const opts = { seed: 7 + i, ...stim };
      const [v, ic] = await Promise.all([runSimulator(verilator.binary, dir, plan, inputs, opts), runIcarus(icarus.binary, dir, plan, inputs, opts)]);
      const label = `${name}, ${what}`;
      expect(v.failure, label).toBeUndefined();
      expect(ic.failure, label).toBeUndefined();
      expect(Array.from(v.outputs), label).toEqual(Array.from(expected));
      expect(Array.from(ic.outputs), label).toEqual(Array.from(v.outputs));
      expect(ic.acceptCycles, label).toEqual(v.acceptCycles);
      expect(ic.outputCycles, label).toEqual(v.outputCycles);
      expect(ic.totalCycles, label).toBe(v.totalCycles);
      expect(ic.acceptCycles.every((c) => c >= 0) && ic.outputCycles.every((c) => c >= 0), label).toBe(true);
      if (stim.gapProbability === 0) {
        // Gap-free: the plan's latency, and the input is taken in cycle 0.
        expect(ic.acceptCycles[0], label).toBe(0);
        expect(ic.outputCycles[0] - ic.acceptCycles[0], label).toBe(plan.timing.latency);
      } else if (plan.timing.initiationInterval <= 4) {
        // With gaps the stimulus really differs from the gap-free run (a long II hides short gaps).
        expect(ic.acceptCycles.some((c, n) => n > 0 && c - ic.acceptCycles[n - 1] > plan.timing.initiationInterval), label).toBe(true);
      }
    }
  });

  it('the samples cover what they claim', async () => {
    const grp = samples[2].plan.layers[0] as LutLinearPlan;
    expect(grp.parallel.encodeSteps).toBe(3);
    expect(grp.parallel.outputGroups).toBe(4);
    expect((samples[1].plan.layers[0] as LutLinearPlan).pipeline).toBe('max');
    expect(ccsOf(samples[1].plan.layers[0] as LutLinearPlan).pipeline).toBe('max');
    expect(samples[3].plan.layers.map((l) => l.kind)).toEqual(['nnlut']);
    expect(samples[4].plan.layers.length).toBe(2);
    expect(samples[4].plan.modelTop).not.toBeNull();
    expect(samples[5].plan.io.input.beat).toEqual({ elementsPerBeat: 4, beats: 3, laneBits: 8 });
    expect(samples[5].plan.io.output.beat).toEqual({ elementsPerBeat: 4, beats: 3, laneBits: 6 });
    expect(samples[6].plan.axiStream).toBeDefined();
    expect(samples[6].plan.io.output.beat?.laneBits).toBe(8);
    expect((await samples[5].icarus!).compilerOutput).toBe('');
    expect((await samples[6].icarus!).compilerOutput).toBe('');
    expect(samples[7].plan.layers.map((l) => l.kind)).toEqual(['mac_linear']);
  });
});

describe('verifyDesign on Icarus', () => {
  it('checks a design against the golden model at the planned latency and II', async () => {
    const { dir } = samples[2];
    const r = await verifyDesign(dir, { vectors: 120, seed: 3, simulator: 'icarus' });
    expect(r.build).toMatchObject({ simulator: 'icarus' });
    expect(r.failure).toBeUndefined();
    expect(r.mismatch).toBeNull();
    expect(r.timing).toMatchObject({ ok: true, measuredLatency: r.design.timing.latency, measuredIntervals: [r.design.timing.initiationInterval] });
    expect(r.ok).toBe(true);
  });

  it('catches a corrupted table and dumps a waveform of the failing vector', async () => {
    const broken = join(root, 'broken-table');
    await cp(samples[1].dir, broken, { recursive: true });
    // Flip the lowest bit of every table word so that whatever entry vector 0 uses is wrong.
    const layer = samples[1].plan.layers[0] as LutLinearPlan;
    const banks = (await designSources(broken)).memories.filter((f) => f.includes('table'));
    expect(banks.length, `${layer.name}: table memory files`).toBeGreaterThan(0);
    for (const bank of banks) {
      const lines = (await readFile(join(broken, bank), 'utf8')).split('\n');
      await writeFile(join(broken, bank), lines.map((l) => (/^[0-9a-f]+$/.test(l) ? l.slice(0, -1) + (parseInt(l.at(-1)!, 16) ^ 1).toString(16) : l)).join('\n'));
    }
    const r = await verifyDesign(broken, { vectors: 30, seed: 1, skipTiming: true, simulator: 'icarus' });
    expect(r.mismatch).not.toBeNull();
    expect(r.mismatch!.vector).toBe(0);
    expect(r.mismatch!.got).not.toBe(r.mismatch!.expected);
    expect(existsSync(r.mismatch!.tracePath!)).toBe(true);
    const vcd = await readFile(r.mismatch!.tracePath!, 'utf8');
    expect(vcd.slice(0, 400)).toMatch(/\$date|\$version|\$timescale/);
    expect(vcd).toContain('out_valid_o');
    expect(vcd).toMatch(/^#\d+$/m);
  });

  it('trips the same watchdog as Verilator when the design never produces an output', async () => {
    const broken = neverAnswers;
    await neverAnswersVerilator; // built (cached) in beforeAll
    const [v, ic] = await Promise.all([
      verifyDesign(broken, { vectors: 5, seed: 1, skipTiming: true }),
      verifyDesign(broken, { vectors: 5, seed: 1, skipTiming: true, simulator: 'icarus' }),
    ]);
    expect(ic.ok).toBe(false);
    expect(ic.failure).toMatch(/^WATCHDOG: no output for \d+ cycles \(bound \d+ from the plan's latency\) with \d+ vector\(s\) outstanding; oldest is vector 0, accepted in cycle \d+; now cycle \d+$/);
    expect(ic.failure).toBe(v.failure);
    expect(ic.simCycles).toBe(-1);
  });
});
