import { describe, expect, it } from 'vitest';
import { LutnnError } from '../../generator/errors.ts';
import { breakpointToInt, evalNnlut, nnlutWidths, normalise, quantizeNnlut, segmentOf } from '../../generator/numeric/nnlut.ts';

const q610 = { bits: 16, scale: 2 ** -10 };

describe('nnlut number formats (docs/number-formats.md §6)', () => {
  it('maps a real breakpoint to the least input integer at or above it, snapping exact grid points', () => {
    expect(breakpointToInt(1.5, 0.5)).toBe(3);
    expect(breakpointToInt(1.6, 0.5)).toBe(4);
    expect(breakpointToInt(-1.6, 0.5)).toBe(-3);
    expect(breakpointToInt(0.1 * 3, 0.1)).toBe(3); // 0.30000000000000004 / 0.1 is 3 up to rounding
  });

  it('selects segment i for x in [B_{i-1}, B_i) and evaluates S·x + T with round half up and saturation', () => {
    const q = quantizeNnlut({ input: { bits: 8, scale: 1 }, output: { bits: 8, scale: 1 }, rangeReduction: 'none', coefficientBits: 8, breakpoints: [0, 10], slopes: [0, 0.5, 2], intercepts: [-3, 0.25, 0] });
    expect(segmentOf(q, -1)).toBe(0);
    expect(segmentOf(q, 0)).toBe(1);
    expect(segmentOf(q, 10)).toBe(2);
    expect(evalNnlut(q, -128)).toBe(-3);
    // 0.5·1 + 0.25 = 0.75 → 1; 0.5·3 + 0.25 = 1.75 → 2; 0.5·0 + 0.25 → 0
    expect([evalNnlut(q, 0), evalNnlut(q, 1), evalNnlut(q, 3)]).toEqual([0, 1, 2]);
    expect(evalNnlut(q, 127)).toBe(127); // saturates
    // Half-way rounds up: slope 0.5, x = 1, no intercept → 0.5 → 1 (and x = −1 → −0.5 → 0).
    const h = quantizeNnlut({ input: { bits: 8, scale: 1 }, output: { bits: 8, scale: 1 }, rangeReduction: 'none', coefficientBits: 8, breakpoints: [100], slopes: [0.5, 0], intercepts: [0, 0] });
    expect([evalNnlut(h, 1), evalNnlut(h, -1), evalNnlut(h, -3)]).toEqual([1, 0, -1]);
  });

  it('normalises positive inputs by a power of two (even for rsqrt) and maps x <= 0 to the largest output', () => {
    expect(normalise(1, 'reciprocal', 8)).toEqual({ m: 64, k: 6 });
    expect(normalise(127, 'reciprocal', 8)).toEqual({ m: 127, k: 0 });
    expect(normalise(1, 'rsqrt', 8)).toEqual({ m: 64, k: 3 });
    expect(normalise(2, 'rsqrt', 8)).toEqual({ m: 32, k: 2 });
    const q = quantizeNnlut({ input: q610, output: q610, rangeReduction: 'rsqrt', coefficientBits: 16, breakpoints: [16], slopes: [0, 0], intercepts: [0.25, 0.25] });
    expect(evalNnlut(q, 0)).toBe(32767);
    expect(evalNnlut(q, -5)).toBe(32767);
    // x = 1/16 (64 LSBs): m = 64·2^8 → k = 4, so 0.25 · 2^4 = 4.0
    expect(evalNnlut(q, 64) * q610.scale).toBe(4);
  });

  it('chooses the largest F at which every slope fits coefficient_bits, and computes exact widths', () => {
    const q = quantizeNnlut({ input: q610, output: q610, rangeReduction: 'none', coefficientBits: 16, breakpoints: [0], slopes: [0, 1.13], intercepts: [0, 0] });
    expect(q.fracBits).toBe(14); // 1.13 · 2^14 = 18514 ≤ 32767 < 1.13 · 2^15
    const w = nnlutWidths(q);
    expect(w.accRange[1]).toBe(q.slopes[1] * 32767);
    expect(w.accWidth).toBe(31);
  });

  it('refuses slopes that overflow the coefficient format even at F = 0', () => {
    expect(() => quantizeNnlut({ input: { bits: 8, scale: 1 }, output: { bits: 8, scale: 2 ** -10 }, rangeReduction: 'none', coefficientBits: 8, breakpoints: [0], slopes: [0, 1000], intercepts: [0, 0] })).toThrow(LutnnError);
    expect(() => quantizeNnlut({ input: { bits: 8, scale: 1 }, output: { bits: 8, scale: 2 ** -10 }, rangeReduction: 'none', coefficientBits: 8, breakpoints: [0], slopes: [0, 1000], intercepts: [0, 0] })).toThrow(/coefficient_bits 8/);
  });
});
