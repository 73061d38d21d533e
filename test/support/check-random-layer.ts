/**
 * Property: for random layers and hardware configurations, the generated RTL is lint-clean,
 * matches the golden model bit for bit under random input gaps and back-pressure, and its
 * measured latency and initiation interval equal the plan's; and the golden model (which reads
 * the plan, like the RTL) equals the independent reference computed from the artifact's tensors
 * on the same vectors, so a wrong plan cannot pass.
 *
 * Seeded (LUTNN_PBT_SEED, printed on failure by fast-check) and shrinking. Each run builds one
 * Verilator model, so the run count is set per file; two files run in parallel on two cores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';
import { encoderFor } from '../../generator/encoders/registry.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { encodeVector } from '../../generator/golden/lut-linear.ts';
import type { DesignPlan, LutLinearPlan } from '../../generator/plan/types.ts';
import { verifyDesign, type VerifyReport } from '../../tb/verify.ts';
import { lintDesign } from './lint.ts';
import { writeRandomLayer, type RandomLayerSpec } from './random-layer.ts';

export const PBT_SEED = Number(process.env.LUTNN_PBT_SEED ?? 20261122);
export const PBT_RUNS = Number(process.env.LUTNN_PBT_RUNS ?? 11);

/**
 * A verification run passed: no failure, no mismatch, and the measured latency, first intervals
 * (a chain's startup) and single interval after them are the plan's.
 */
export function expectBitExactAndTimed(report: VerifyReport, plan: DesignPlan): void {
  expect(report.failure).toBeUndefined();
  expect(report.mismatch).toBeNull();
  expect(report.timing?.measuredLatency).toBe(plan.timing.latency);
  expect(report.timing?.measuredStartupIntervals).toEqual(plan.timing.startupIntervals ?? []);
  expect(report.timing?.measuredIntervals).toEqual([plan.timing.initiationInterval]);
  expect(report.timing?.ok).toBe(true);
}

export async function checkRandomLayer(spec: RandomLayerSpec): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-pbt-'));
  try {
    const { model, config } = await writeRandomLayer(join(dir, 'artifact'), spec);
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    expect(await lintDesign(out, plan.top)).toBe('');
    const report = await verifyDesign(out, { vectors: 300, seed: spec.seed, gapProbability: 0.3, stallProbability: 0.3 });
    expectBitExactAndTimed(report, plan);
    // The plan the RTL and golden model share (plan.json, as `lutnn sim` reads it) against the artifact.
    const check = checkGoldenAgainstArtifact(report.design, await loadArtifact(model), report.inputs);
    expect(check.disagreement).toBeNull();
    expect(check.layers).toEqual(plan.layers.map((l) => l.name));
    // And index by index: the encoder's golden indices against its artifact reference (saturated
    // or equal table rows could hide a wrong index in the outputs).
    const artifact = await loadArtifact(model);
    const layer = report.design.layers[0] as LutLinearPlan;
    const art = artifact.layers.find((l) => l.name === layer.name) as LutLinearLayer;
    const reference = encoderFor(art.encoder).reference(art, art.encoder);
    const { C, D } = layer.dims;
    for (let n = 0; n < report.inputs.length / D; n++) {
      const x = report.inputs.subarray(n * D, (n + 1) * D);
      const idx = encodeVector(layer, x);
      for (let c = 0; c < C; c++) if (idx[c] !== reference(x, c)) expect.fail(`vector ${n}, codebook ${c}: golden index ${idx[c]}, artifact reference ${reference(x, c)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

