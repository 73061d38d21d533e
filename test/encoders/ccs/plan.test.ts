/** CCS planning (encoders/ccs/plan.ts): distance ranges and widths per metric, the argmin tree. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../../../generator/artifact/types.ts';
import { hardwareDistance } from '../../../generator/encoders/ccs/golden.ts';
import { planDistance, planTree, worstCaseCentroids } from '../../../generator/encoders/ccs/plan.ts';

const metricArb = fc.constantFrom<Metric>('l2', 'l1', 'chebyshev');

/** Formats up to 16 bits, V ≤ 16, K ≤ 64; in some cases every coordinate at an INT b extreme (full scale). */
const caseArb = fc
  .record({ bits: fc.integer({ min: 2, max: 16 }), V: fc.integer({ min: 1, max: 16 }), K: fc.integer({ min: 2, max: 64 }), metric: metricArb, fullScale: fc.boolean() })
  .chain((s) => {
    const lo = -(2 ** (s.bits - 1));
    const hi = 2 ** (s.bits - 1) - 1;
    const coord = s.fullScale ? fc.constantFrom(lo, hi) : fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(lo, hi));
    return fc.record({
      s: fc.constant(s),
      centroids: fc.array(coord, { minLength: s.K * s.V, maxLength: s.K * s.V }),
      a: fc.array(fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(lo, hi)), { minLength: s.V, maxLength: s.V }),
    });
  });

/** Fewest signed bits holding every value in [lo, hi] (BigInt, independent of numeric/fixed.ts). */
function signedBitsBig(lo: bigint, hi: bigint): number {
  let b = 1;
  while (lo < -(1n << BigInt(b - 1)) || hi > (1n << BigInt(b - 1)) - 1n) b++;
  return b;
}

describe('distance planning', () => {
  it('the two corner centroids bound every centroid set (the writable centroid RAM’s datapath)', () => {
    fc.assert(
      fc.property(caseArb, ({ s, centroids }) => {
        const any = planDistance(s.metric, Int32Array.from(centroids), s.K, s.V, s.bits);
        const worst = planDistance(s.metric, worstCaseCentroids(s.V, s.bits), 2, s.V, s.bits);
        expect(worst.range[0]).toBeLessThanOrEqual(any.range[0]);
        expect(worst.range[1]).toBeGreaterThanOrEqual(any.range[1]);
        expect(worst.width).toBeGreaterThanOrEqual(any.width);
        expect(worst.normWidth).toBeGreaterThanOrEqual(any.normWidth);
      }),
    );
  });

  it('every hardware distance lies in the planned range and width', () => {
    fc.assert(
      fc.property(caseArb, ({ s, centroids, a }) => {
        const p = Int32Array.from(centroids);
        const plan = planDistance(s.metric, p, s.K, s.V, s.bits);
        for (let k = 0; k < s.K; k++) {
          const d = hardwareDistance(s.metric, a, 0, p, k * s.V, s.V, plan.norms[k]);
          expect(d).toBeGreaterThanOrEqual(plan.range[0]);
          expect(d).toBeLessThanOrEqual(plan.range[1]);
          expect(d).toBeGreaterThanOrEqual(-(2 ** (plan.width - 1)));
          expect(d).toBeLessThan(2 ** (plan.width - 1));
        }
      }),
    );
  });

  it('plans exactly the width the distances, coordinates and norms need (BigInt; up to 16-bit inputs, V = 16, full scale)', () => {
    fc.assert(
      fc.property(caseArb, ({ s, centroids }) => {
        const p = Int32Array.from(centroids);
        const plan = planDistance(s.metric, p, s.K, s.V, s.bits);
        const lo = -(1n << BigInt(s.bits - 1));
        const hi = (1n << BigInt(s.bits - 1)) - 1n;
        // The distance is separable in the input coordinates, so its extremes are at a_v ∈ {lo, hi}.
        let dLo = 0n;
        let dHi = 0n;
        let maxNorm = 0n;
        for (let k = 0; k < s.K; k++) {
          const pk = Array.from(p.subarray(k * s.V, (k + 1) * s.V), BigInt);
          const norm = pk.reduce((a, x) => a + x * x, 0n);
          if (s.metric === 'l2') expect(plan.norms[k]).toBe(Number(norm));
          if (norm > maxNorm) maxNorm = norm;
          const terms = pk.map((x) => {
            const at = (a: bigint) => (s.metric === 'l2' ? -2n * a * x : a > x ? a - x : x - a);
            const [u, w] = [at(lo), at(hi)];
            return u < w ? [u, w] : [w, u];
          });
          const kLo = s.metric === 'l2' ? terms.reduce((a, t) => a + t[0], norm) : 0n;
          const kHi = s.metric === 'l2' ? terms.reduce((a, t) => a + t[1], norm) : s.metric === 'l1' ? terms.reduce((a, t) => a + t[1], 0n) : terms.reduce((a, t) => (t[1] > a ? t[1] : a), 0n);
          if (k === 0 || kLo < dLo) dLo = kLo;
          if (k === 0 || kHi > dHi) dHi = kHi;
        }
        if (s.metric !== 'l2') maxNorm = 0n;
        // The datapath carries the distances, the coordinates and (l2) the norms.
        const opLo = dLo < lo ? dLo : lo;
        const opHi = [dHi, hi, maxNorm].reduce((a, x) => (x > a ? x : a));
        const coordLo = p.reduce((a, x) => Math.min(a, x), 0);
        const coordHi = p.reduce((a, x) => Math.max(a, x), 0);
        expect(BigInt(plan.range[0])).toBeLessThanOrEqual(dLo);
        expect(BigInt(plan.range[1])).toBeGreaterThanOrEqual(dHi);
        expect(plan.width).toBeLessThanOrEqual(signedBitsBig(opLo, opHi));
        expect(plan.width).toBeGreaterThanOrEqual(signedBitsBig(dLo < BigInt(coordLo) ? dLo : BigInt(coordLo), [dHi, BigInt(coordHi), maxNorm].reduce((a, x) => (x > a ? x : a))));
        if (s.metric === 'l2') expect(2 ** plan.normWidth).toBeGreaterThan(Number(maxNorm));
      }),
      { numRuns: 300 },
    );
  });

  it('full scale, 16-bit inputs, V = 16: norms of 2^34 and a 37-bit l2 distance, exactly', () => {
    const V = 16;
    const p = new Int32Array(2 * V);
    p.fill(-32768, 0, V); // ||p||² = 16·2^30 = 2^34
    p.fill(32767, V);
    const plan = planDistance('l2', p, 2, V, 16);
    expect(Array.from(plan.norms)).toEqual([2 ** 34, 16 * 32767 ** 2]);
    expect(plan.normWidth).toBe(35);
    // e = ||p||² − 2a·p: for p = −2^15·1, a = 2^15−1: 2^34 + 2·16·2^15·(2^15−1) = 2^35 + 2^34 − 2^20.
    expect(plan.range[1]).toBe(2 ** 34 + 2 * 16 * 32768 * 32767);
    expect(plan.width).toBe(37);
    const a = new Array(V).fill(32767);
    expect(hardwareDistance('l2', a, 0, p, 0, V, plan.norms[0])).toBe(plan.range[1]);
  });

  it('l2 in the ||p||² − 2a·p form has the same argmin (ties → lowest index) as the squared distance', () => {
    fc.assert(
      fc.property(caseArb, ({ s, centroids, a }) => {
        const p = Int32Array.from(centroids);
        const plan = planDistance('l2', p, s.K, s.V, s.bits);
        const argmin = (f: (k: number) => number) => {
          let best = 0;
          for (let k = 1; k < s.K; k++) if (f(k) < f(best)) best = k;
          return best;
        };
        const hw = argmin((k) => hardwareDistance('l2', a, 0, p, k * s.V, s.V, plan.norms[k]));
        const exact = argmin((k) => {
          let d = 0;
          for (let v = 0; v < s.V; v++) d += (a[v] - p[k * s.V + v]) ** 2;
          return d;
        });
        expect(hw).toBe(exact);
      }),
    );
  });
});

describe('argmin tree', () => {
  it('registers after every N levels and always after the last', () => {
    expect(planTree(16, 2)).toEqual({ depth: 4, registeredLevels: [2, 4] });
    expect(planTree(10, 3)).toEqual({ depth: 4, registeredLevels: [3, 4] });
    expect(planTree(2, 2)).toEqual({ depth: 1, registeredLevels: [1] });
  });
});
