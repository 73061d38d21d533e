/**
 * Hash-tree planning (encoders/hash-tree/plan.ts): the folding of threshold, offset, scale and input
 * scale into one integer threshold (docs/number-formats.md §2a) — ties, snapping, clamping at lo − 1
 * and hi, the learner's degenerate float32 maximum — checked against exact rational arithmetic; the
 * level pipeline; the plan's fields and step ROM.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldThreshold, planLevels, SNAP_TOLERANCE } from '../../../generator/encoders/hash-tree/plan.ts';
import type { LutLinearLayer } from '../../../generator/artifact/types.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import { FLOAT32_MAX, hashTreeLayerSpec, type RandomLayerSpec } from '../../support/random-layer.ts';
import { hashTreeOf } from '../../support/reference-check.ts';

/** A float64 as an exact dyadic rational m·2^e (BigInt m). */
function dyadic(x: number): { m: bigint; e: number } {
  if (!Number.isFinite(x)) throw new RangeError(`not finite: ${x}`);
  if (x === 0) return { m: 0n, e: 0 };
  let e = 0;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    e--;
  }
  return { m: BigInt(v), e };
}

/** Sign of (q·s − o)·σ − t, exactly (no rounding anywhere). */
function exactSign(q: number, s: number, o: number, sigma: number, t: number): number {
  const [S, O, G, T] = [dyadic(s), dyadic(o), dyadic(sigma), dyadic(t)];
  // Bring q·s·σ, o·σ and t to the common exponent of the smallest one.
  const terms = [
    { m: BigInt(q) * S.m * G.m, e: S.e + G.e },
    { m: -O.m * G.m, e: O.e + G.e },
    { m: -T.m, e: T.e },
  ];
  const e0 = Math.min(...terms.map((x) => x.e));
  const sum = terms.reduce((a, x) => a + x.m * 2n ** BigInt(x.e - e0), 0n);
  return sum > 0n ? 1 : sum < 0n ? -1 : 0;
}

const bitOf = (q: number, T: number) => (q > T ? 1 : 0);

describe('folding a node threshold into an integer (number-formats.md §2a)', () => {
  const s = 0.25; // input scale; 4-bit inputs: q ∈ [−8, 7], lo − 1 = −9
  const fold = (t: number, o = 0, sigma = 1) => foldThreshold(t, o, sigma, s, 4);

  it('an input exactly on the threshold goes left (bit 0), one step above goes right', () => {
    expect(fold(0.5)).toBe(2);
    expect([bitOf(2, fold(0.5)), bitOf(3, fold(0.5))]).toEqual([0, 1]);
    expect(fold(-0.5)).toBe(-2);
    expect([bitOf(-2, fold(-0.5)), bitOf(-1, fold(-0.5))]).toEqual([0, 1]);
  });

  it('between grid values: floor (toward −∞ also for negative thresholds)', () => {
    expect(fold(0.6)).toBe(2); // u = 2.4
    expect(fold(-0.6)).toBe(-3); // u = −2.4: q = −2 (−0.5 > −0.6) goes right, q = −3 left
    expect([bitOf(-3, fold(-0.6)), bitOf(-2, fold(-0.6))]).toEqual([0, 1]);
  });

  it('snaps u within 1e-9 (relative) of an integer to it, on either side; beyond that floors', () => {
    expect(fold(0.5 + 1e-12)).toBe(2);
    expect(fold(0.5 - 1e-12)).toBe(2); // floor would give 1: float noise on an intended tie
    expect(fold(0.5 - 1e-8)).toBe(1); // u = 2 − 4e-8: a real threshold below the grid value
    // 0.1 is not a float64 multiple of 0.1/3: u = 0.3/0.1 = 2.9999999999999996 is the tie at 3.
    expect(foldThreshold(0.3, 0, 1, 0.1, 8)).toBe(3);
    // The tolerance is relative: at u ≈ 30000 it is 3e-5.
    expect(foldThreshold(30000 * 0.25 + 2e-6, 0, 1, 0.25, 16)).toBe(30000);
    expect(SNAP_TOLERANCE).toBe(1e-9);
  });

  it('clamps to [lo − 1, hi]: lo − 1 sends every input right, hi every input left', () => {
    expect(fold(100)).toBe(7);
    expect(fold(-100)).toBe(-9);
    expect(fold(-2)).toBe(-8); // lo itself: q = −8 left, q = −7 right
    expect(fold(-2.1)).toBe(-9); // below lo: every input (−8 … 7) right
    expect(fold(1.75)).toBe(7); // hi: every input left
    expect(fold(1.7)).toBe(6); // q = 7 right
    for (let q = -8; q <= 7; q++) {
      expect(bitOf(q, fold(-100))).toBe(1);
      expect(bitOf(q, fold(100))).toBe(0);
    }
  });

  it('the learner’s degenerate node (float32 maximum) clamps to hi: bit always 0; its negative to lo − 1', () => {
    expect(fold(FLOAT32_MAX)).toBe(7);
    expect(fold(-FLOAT32_MAX)).toBe(-9);
    // t/σ past float64 (u = ±Infinity) clamps the same way.
    expect(fold(FLOAT32_MAX, 0, 1e-300)).toBe(7);
    expect(fold(-FLOAT32_MAX, 0, 1e-300)).toBe(-9);
    expect(foldThreshold(FLOAT32_MAX, 0.5, 3, 2 ** -13, 16)).toBe(32767);
  });

  it('offsets and scales: (x − o)·σ > t is x > t/σ + o', () => {
    expect(fold(1, 0.25, 2)).toBe(3); // x > 0.75
    expect(fold(1, 0, 0.5)).toBe(7); // x > 2: past hi
    expect(fold(0.25, -0.5, 0.5)).toBe(0); // x > 0.5 − 0.5 = 0: a tie at 0
    // x > −0.3/3 + 0.1 = 0 up to float64 noise (u ≈ ±1e-16): snapped to the tie at 0, not floored to −1.
    expect(Math.abs((-0.3 / 3 + 0.1) / 0.25)).toBeLessThan(1e-15);
    expect(fold(-0.3, 0.1, 3)).toBe(0);
  });

  it('equals the exact real comparison on every grid input (dyadic rationals, BigInt), except the snapped ties', () => {
    const f32 = (lo: number, hi: number) => fc.double({ min: lo, max: hi, noNaN: true }).map(Math.fround);
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: 0, max: 20 }),
        f32(-3, 3),
        fc.oneof(f32(-2, 2), fc.constant(0)),
        fc.oneof(f32(0.01, 8), fc.constantFrom(1, 0.5, 4)),
        fc.integer({ min: -40000, max: 40000 }),
        fc.boolean(),
        (bits, shift, tReal, oRaw, sigma, qT, onGrid) => {
          const s = 2 ** -shift;
          const o = Math.fround(oRaw * 2 ** (bits - 3) * s);
          // On grid: t = (q_T·s − o)·σ, exactly on an input value (unless rounding to float64 moves it).
          const t = onGrid ? (qT * s - o) * sigma : tReal * 2 ** (bits - 1) * s;
          const T = foldThreshold(t, o, sigma, s, bits);
          const lo = -(2 ** (bits - 1));
          const hi = 2 ** (bits - 1) - 1;
          expect(T).toBeGreaterThanOrEqual(lo - 1);
          expect(T).toBeLessThanOrEqual(hi);
          const u = (t / sigma + o) / s;
          const snapped = Math.abs(u - Math.round(u)) <= SNAP_TOLERANCE * Math.max(1, Math.abs(u));
          for (const q of [lo, lo + 1, T - 1, T, T + 1, T + 2, hi - 1, hi, Math.round(u) - 1, Math.round(u), Math.round(u) + 1]) {
            if (q < lo || q > hi) continue;
            const want = snapped ? (q > Math.round(u) ? 1 : 0) : exactSign(q, s, o, sigma, t) > 0 ? 1 : 0;
            expect(bitOf(q, T), `q ${q}, t ${t}, o ${o}, σ ${sigma}, s ${s}, bits ${bits}`).toBe(want);
          }
        },
      ),
      { numRuns: 2000, seed: 12 },
    );
  });
});

describe('level pipeline', () => {
  it('registers after every N levels and always after the last; max: after every level', () => {
    expect(planLevels(4, 2)).toEqual([2, 4]);
    expect(planLevels(5, 2)).toEqual([2, 4, 5]);
    expect(planLevels(3, 1)).toEqual([1, 2, 3]);
    expect(planLevels(8, 16)).toEqual([8]);
    expect(planLevels(1, 3)).toEqual([1]);
  });
});

describe('planHashTree', () => {
  it('split columns relative to the sub-vector, integer thresholds, latency = registered levels (plus the input stages of pipeline: max), step ROM exactly when E > 1', async () => {
    await fc.assert(
      fc.asyncProperty(hashTreeLayerSpec, async (spec: RandomLayerSpec) => {
        const { design, artifact } = await planRandomLayer(spec);
        const layer = design.layers[0] as LutLinearPlan;
        const ht = hashTreeOf(layer);
        const a = artifact.layers[0] as LutLinearLayer;
        if (a.encoder.kind !== 'hash_tree') throw new Error('not a hash tree');
        const { C, V } = layer.dims;
        const d = spec.hashTree!.depth;
        const B = layer.input.bits;
        expect([ht.depth, ht.indexWidth, ht.comparatorWidth]).toEqual([d, d, B + 1]);
        for (let c = 0; c < C; c++) for (let l = 0; l < d; l++) expect(ht.splitDims[c * d + l]).toBe(a.encoder.splitDims.data[c * d + l] - c * V);
        expect(ht.splitDims.every((v) => v >= 0 && v < V)).toBe(true);
        expect(ht.thresholds.length).toBe(C * (2 ** d - 1));
        expect(ht.thresholds.every((t) => t >= -(2 ** (B - 1)) - 1 && t <= 2 ** (B - 1) - 1)).toBe(true);
        expect(ht.registeredLevels).toEqual(planLevels(d, spec.pipeline === 'max' ? 1 : spec.treeLevelsPerStage));
        const E = layer.parallel.encodeSteps;
        // pipeline: max with a step ROM: the sub-vector register (the ROM is read with the step
        // register) and, when a column is selected (V > 1), the select stage.
        const maxRom = spec.pipeline === 'max' && E > 1;
        expect([ht.subRegister, ht.selectStage]).toEqual([maxRom, maxRom && V > 1]);
        expect(ht.latency).toBe(ht.registeredLevels.length + (maxRom ? 1 : 0) + (maxRom && V > 1 ? 1 : 0));
        expect(ht.thresholdStorage).toBe(E === 1 ? 'constant' : 'rom');
        if (E === 1) expect(ht.stepRom).toBeNull();
        else {
          expect(ht.stepRom!.address).toBe(maxRom ? 'step' : 'next-step');
          const dimWidth = V > 1 ? Math.max(1, Math.ceil(Math.log2(V))) : 0;
          expect(ht.dimWidth).toBe(dimWidth);
          expect(ht.stepRom).toMatchObject({ width: layer.parallel.codebooksPerCycle * (d * dimWidth + (2 ** d - 1) * (B + 1)), depth: E });
        }
        // The layer's timing reads the encoder's latency like the CCS's (docs/architecture.md).
        if (spec.pipeline !== 'max') expect(layer.timing.latency).toBe(E * (1 + layer.parallel.outputGroups) + ht.latency + 6);
      }),
      { numRuns: 30, seed: 3 },
    );
  });
});
