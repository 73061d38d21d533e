/**
 * Property: random NN-LUT tables and formats (plain, 1/x and 1/sqrt range reduction; 2–12
 * segments; 4–16-bit formats; any lanes, pipeline stages and reset) generate lint-clean RTL that
 * matches the golden model bit for bit on random vectors, and on every input value when the input
 * format has at most 12 bits, at the planned latency and initiation interval; and the golden
 * model equals the independent reference computed from the artifact's real-valued table
 * (generator/golden/artifact-reference.ts) on those vectors.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { reductionDomain } from '../../generator/numeric/nnlut.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { writeNnlutArtifact, type NnlutSpec } from '../support/nnlut-artifact.ts';

const RUNS = Number(process.env.LUTNN_PBT_NNLUT_RUNS ?? 10);

const randomNnlutSpec: fc.Arbitrary<NnlutSpec> = fc
  .record({
    inBits: fc.integer({ min: 4, max: 16 }),
    outBits: fc.integer({ min: 4, max: 16 }),
    inFrac: fc.integer({ min: 0, max: 14 }),
    outFrac: fc.integer({ min: 0, max: 14 }),
    mode: fc.constantFrom('none' as const, 'none' as const, 'reciprocal' as const, 'rsqrt' as const),
    segments: fc.integer({ min: 2, max: 12 }),
    coefficientBits: fc.integer({ min: 6, max: 16 }),
    features: fc.integer({ min: 1, max: 6 }),
    lanes: fc.integer({ min: 1, max: 6 }),
    stages: fc.integer({ min: 1, max: 4 }),
    reset: fc.constantFrom('sync' as const, 'async' as const),
    u: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
  })
  .map((r) => {
    const inScale = 2 ** -Math.min(r.inFrac, r.inBits - 1);
    const outScale = 2 ** -Math.min(r.outFrac, r.outBits - 1);
    const { domain } = reductionDomain(r.mode, r.inBits);
    // Distinct breakpoints spread over the operand range (plus a fraction of an LSB: exercises the ceil rule).
    const span = domain[1] - domain[0];
    const bps = [...new Set(r.u.slice(0, r.segments - 1).map((u) => domain[0] + 1 + Math.floor(u * (span - 1)) + 0.25))].sort((a, b) => a - b);
    const n = bps.length + 1;
    const slopeLimit = (0.9 * (2 ** (r.coefficientBits - 1) - 1) * outScale) / inScale;
    const slopes = Array.from({ length: n }, (_, i) => (2 * r.u[12 + i] - 1) * slopeLimit);
    const intercepts = Array.from({ length: n }, (_, i) => (2 * r.u[26 + i] - 1) * 2 ** (r.outBits - 1) * outScale * 1.5);
    return {
      features: r.features,
      inBits: r.inBits,
      inScale,
      outBits: r.outBits,
      outScale,
      rangeReduction: r.mode,
      coefficientBits: r.coefficientBits,
      breakpoints: bps.map((b) => b * inScale),
      slopes,
      intercepts,
      lanes: Math.min(r.lanes, r.features),
      stages: r.stages,
      reset: r.reset,
    };
  });

describe('nnlut units versus the golden model (property)', () => {
  it(`holds for ${RUNS} random tables and formats (seed ${PBT_SEED + 3})`, async () => {
    await fc.assert(
      fc.asyncProperty(randomNnlutSpec, async (spec) => {
        const dir = await mkdtemp(join(tmpdir(), 'lutnn-nnlut-'));
        try {
          const { model, config } = await writeNnlutArtifact(join(dir, 'artifact'), spec);
          const out = join(dir, 'rtl');
          const { plan } = await genRtl({ model, config, out });
          expect(await lintDesign(out, plan.top)).toBe('');
          const r = await verifyDesign(out, { vectors: 300, seed: 7, gapProbability: 0.3, stallProbability: 0.3 });
          expect(r.failure).toBeUndefined();
          expect(r.mismatch).toBeNull();
          expect(r.timing?.ok).toBe(true);
          const artifact = await loadArtifact(model);
          const check = checkGoldenAgainstArtifact(r.design, artifact, r.inputs);
          expect(check.disagreement).toBeNull();
          expect(check.layers).toEqual(['act']);
          if (spec.inBits <= 12) {
            const x = await verifyDesign(out, { vectors: 0, seed: 8, exhaustive: true, skipTiming: true });
            expect(x.mismatch).toBeNull();
            expect(x.vectors).toBe(2 ** spec.inBits);
            expect(checkGoldenAgainstArtifact(x.design, artifact, x.inputs).disagreement).toBeNull();
          }
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { seed: PBT_SEED + 3, numRuns: RUNS, verbose: 1 },
    );
  });
});
