import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Metric } from '../../generator/artifact/types.ts';
import { hardwareDistance, planDistance, planTree } from '../../generator/plan/distance.ts';
import { planTiming } from '../../generator/plan/timing.ts';

const metricArb = fc.constantFrom<Metric>('l2', 'l1', 'chebyshev');

const caseArb = fc
  .record({ bits: fc.integer({ min: 2, max: 12 }), V: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 2, max: 8 }), metric: metricArb })
  .chain((s) => {
    const lo = -(2 ** (s.bits - 1));
    const hi = 2 ** (s.bits - 1) - 1;
    return fc.record({
      s: fc.constant(s),
      centroids: fc.array(fc.integer({ min: lo, max: hi }), { minLength: s.K * s.V, maxLength: s.K * s.V }),
      a: fc.array(fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(lo, hi)), { minLength: s.V, maxLength: s.V }),
    });
  });

describe('distance planning', () => {
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

describe('tree and timing', () => {
  it('registers after every N levels and always after the last', () => {
    expect(planTree(16, 2)).toEqual({ depth: 4, registeredLevels: [2, 4] });
    expect(planTree(10, 3)).toEqual({ depth: 4, registeredLevels: [3, 4] });
    expect(planTree(2, 2)).toEqual({ depth: 1, registeredLevels: [1] });
  });
  it('derives latency, II, banks and FIFO depth', () => {
    const t = planTiming(4, 1, 3);
    expect(t).toMatchObject({ latency: 4 + 4 + 3 + 6, initiationInterval: 4, indexBanks: 4, outFifoDepth: 3 });
    const full = planTiming(1, 1, 2);
    expect(full.initiationInterval).toBe(1);
    expect(full.indexBanks).toBe(6);
    expect(full.outFifoDepth).toBe(7);
    const slow = planTiming(16, 8, 4);
    expect(slow.indexBanks).toBe(2);
    expect(slow.outFifoDepth).toBe(2);
  });
});
