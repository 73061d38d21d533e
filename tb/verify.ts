/**
 * RTL-versus-golden verification of a generated design: build (cached), stream random vectors with
 * random input gaps and output back-pressure, compare every output bit-exactly with the golden
 * model, then measure latency and initiation interval in a gap-free run and compare them with
 * the plan. On the first mismatch, the run is repeated with a waveform dump around that vector.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runDesign } from '../generator/golden/design.ts';
import { loadWrites } from '../generator/plan/load-map.ts';
import { deserializePlan } from '../generator/plan/serialize.ts';
import type { DesignPlan } from '../generator/plan/types.ts';
import { PLAN_FILE } from '../generator/emit/design.ts';
import { LutnnError } from '../generator/errors.ts';
import { buildSimulator, type BuiltSimulator } from './build.ts';
import { buildIcarus, runIcarus } from './icarus.ts';
import { runSimulator, type SimResult } from './run.ts';
import { exhaustiveDesignVectors, generateDesignVectors } from './vectors.ts';

export interface VerifyOptions {
  vectors: number;
  seed: number;
  gapProbability?: number;
  stallProbability?: number;
  /** Explicit inputs (N·D) instead of generated ones. */
  inputs?: Int32Array;
  /** Every representable input value in every element position (2^b vectors; see exhaustiveDesignVectors). */
  exhaustive?: boolean;
  /** Skip the latency / II measurement. */
  skipTiming?: boolean;
  /**
   * table_storage: ram — the design with another model's contents (plan/load-map.ts
   * planLoadedDesign): they are written through the load port before the first vector, and the
   * outputs are checked against that design's golden model.
   */
  loaded?: DesignPlan;
  /** Verilator (default) or Icarus Verilog (tb/icarus.ts: same stimulus, same cycles). */
  simulator?: 'verilator' | 'icarus';
  onStage?: (stage: string) => void;
}

export interface Mismatch {
  vector: number;
  lane: number;
  expected: number;
  got: number;
  input: number[];
  tracePath?: string;
}

export interface TimingCheck {
  planLatency: number;
  planII: number;
  /** The plan's intervals of the first outputs before they are the II (design timing startupIntervals; empty: none). */
  planStartupIntervals: number[];
  measuredLatency: number;
  /** The gap-free run's intervals between its first outputs, as many as planStartupIntervals. */
  measuredStartupIntervals: number[];
  /** Distinct intervals between consecutive outputs after those, in the gap-free run. */
  measuredIntervals: number[];
  ok: boolean;
}

export interface VerifyReport {
  /** The plan the outputs were checked against: the design's, or with `loaded` the loaded one. */
  design: DesignPlan;
  /** The input vectors that were simulated (N·D). */
  inputs: Int32Array;
  /** What the RTL produced (N·M) and what the golden model expects. */
  outputs: Int32Array;
  expected: Int32Array;
  build: BuiltSimulator;
  vectors: number;
  simCycles: number;
  mismatch: Mismatch | null;
  failure?: string;
  timing?: TimingCheck;
  ok: boolean;
}

export async function loadDesign(designDir: string): Promise<DesignPlan> {
  const file = join(designDir, PLAN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new LutnnError('Not a generated design folder.', { file, expected: `${PLAN_FILE} written by lutnn gen-rtl`, found: 'no such file' });
  }
  return deserializePlan(text, file);
}

function firstMismatch(design: DesignPlan, inputs: Int32Array, expected: Int32Array, sim: SimResult): Mismatch | null {
  const D = design.io.input.elements;
  const M = design.io.output.elements;
  for (let n = 0; n < expected.length / M; n++) {
    for (let m = 0; m < M; m++) {
      const i = n * M + m;
      if (sim.outputs[i] !== expected[i]) {
        return { vector: n, lane: m, expected: expected[i], got: sim.outputs[i], input: Array.from(inputs.subarray(n * D, (n + 1) * D)) };
      }
    }
  }
  return null;
}

/** Latency and II measured with no input gaps and no back-pressure. */
async function measureTiming(sim: BuiltSimulator, designDir: string, design: DesignPlan, seed: number, run = runSimulator): Promise<TimingCheck> {
  const count = 24;
  const inputs = generateDesignVectors(design, count, seed + 1);
  const r = await run(sim.binary, designDir, design, inputs, { seed, gapProbability: 0, stallProbability: 0 });
  const { latency, initiationInterval } = design.timing;
  const startup = design.timing.startupIntervals ?? [];
  const intervals = Array.from({ length: count - 1 }, (_, n) => r.outputCycles[n + 1] - r.outputCycles[n]);
  const measuredLatency = r.outputCycles[0] - r.acceptCycles[0];
  return {
    planLatency: latency,
    planII: initiationInterval,
    planStartupIntervals: startup,
    measuredLatency,
    measuredStartupIntervals: intervals.slice(0, startup.length),
    measuredIntervals: [...new Set(intervals.slice(startup.length))].sort((a, b) => a - b),
    ok: !r.failure && measuredLatency === latency && intervals.every((d, n) => d === (startup[n] ?? initiationInterval)),
  };
}

/** Input and output elements one run may hold (32-bit integers, several copies): about 200 MB each. */
export const MAX_SIM_ELEMENTS = 50_000_000;

/** Refuses a vector count whose inputs and outputs would not fit in memory, before allocating them. */
export function checkVectorBudget(design: DesignPlan, vectors: number): void {
  const perVector = design.io.input.elements + design.io.output.elements;
  const most = Math.floor(MAX_SIM_ELEMENTS / perVector);
  if (vectors <= most) return;
  const gb = (vectors * perVector * 4 * 3) / 2 ** 30;
  throw new LutnnError('Too many vectors for one simulation run.', {
    field: '--vectors',
    expected: `at most ${most.toLocaleString('en-US')} vectors for this design (${perVector} input and output elements each); run several seeds instead`,
    found: `${vectors.toLocaleString('en-US')} vectors (about ${gb < 1 ? gb.toFixed(2) : Math.round(gb).toLocaleString('en-US')} GB of vectors in memory)`,
  });
}

export async function verifyDesign(designDir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const stage = opts.onStage ?? (() => {});
  const dir = resolve(designDir);
  const design = await loadDesign(dir);
  if (!opts.inputs && !opts.exhaustive) checkVectorBudget(design, opts.vectors);
  stage(`building the ${opts.simulator ?? 'verilator'} simulator (once per design, then cached)`);
  const icarus = opts.simulator === 'icarus';
  const build = icarus ? await buildIcarus(dir, design) : await buildSimulator(dir, design);
  const run = icarus ? runIcarus : runSimulator;
  const inputs = opts.inputs ?? (opts.exhaustive ? exhaustiveDesignVectors(design) : generateDesignVectors(design, opts.vectors, opts.seed));
  const simOpts = { seed: opts.seed, gapProbability: opts.gapProbability ?? 0.25, stallProbability: opts.stallProbability ?? 0.25, ...(opts.loaded ? { load: loadWrites(design, opts.loaded) } : {}) };
  stage(`simulating ${inputs.length / design.io.input.elements} vectors`);
  const sim = await run(build.binary, dir, design, inputs, simOpts);
  stage('comparing with the golden model');
  const expected = runDesign(opts.loaded ?? design, inputs);
  const mismatch = firstMismatch(design, inputs, expected, sim);
  if (mismatch) {
    // Same seed, same stimulus: the rerun reproduces the failure cycle for cycle, with a waveform.
    const tracePath = join(dir, `mismatch_vector${mismatch.vector}.vcd`);
    const from = Math.max(0, sim.acceptCycles[mismatch.vector] - 2 * design.timing.latency);
    const to = sim.outputCycles[mismatch.vector] >= 0 ? sim.outputCycles[mismatch.vector] + 4 : from + 4 * design.timing.watchdogCycles;
    stage('rerunning with a waveform dump');
    await run(build.binary, dir, design, inputs, { ...simOpts, trace: { path: tracePath, fromCycle: from, toCycle: to } });
    mismatch.tracePath = tracePath;
  }
  let timing: TimingCheck | undefined;
  if (!opts.skipTiming && !sim.failure) {
    stage('measuring latency and initiation interval');
    timing = await measureTiming(build, dir, design, opts.seed, run);
  }
  return {
    design: opts.loaded ?? design,
    inputs,
    outputs: sim.outputs,
    expected,
    build,
    vectors: inputs.length / design.io.input.elements,
    simCycles: sim.totalCycles,
    mismatch,
    failure: sim.failure,
    timing,
    ok: !mismatch && !sim.failure && (timing?.ok ?? true),
  };
}
