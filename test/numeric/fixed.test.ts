import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  indexBits,
  makeRequantizer,
  quantize,
  requantize,
  roundHalfEven,
  roundingShiftRight,
  saturateSigned,
  signedBitsFor,
  unsignedBitsFor,
} from '../../generator/numeric/fixed.ts';

describe('roundHalfEven', () => {
  it('rounds ties to even like torch.round', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });
  it('is within 0.5 of its argument and even on exact ties', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const r = roundHalfEven(x);
        expect(Number.isInteger(r)).toBe(true);
        expect(Math.abs(r - x)).toBeLessThanOrEqual(0.5);
        if (Math.abs(x % 1) === 0.5) expect(Math.abs(r % 2)).toBe(0);
      }),
    );
  });
});

describe('widths', () => {
  it('signedBitsFor is the smallest two’s-complement width', () => {
    expect(signedBitsFor(-128, 127)).toBe(8);
    expect(signedBitsFor(-129, 0)).toBe(9);
    expect(signedBitsFor(0, 128)).toBe(9);
    expect(signedBitsFor(0, 0)).toBe(1);
    expect(signedBitsFor(-1, 0)).toBe(1);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (lo, span) => {
        const w = signedBitsFor(lo, lo + span);
        expect(lo).toBeGreaterThanOrEqual(-(2 ** (w - 1)));
        expect(lo + span).toBeLessThanOrEqual(2 ** (w - 1) - 1);
        if (w > 1) expect(lo < -(2 ** (w - 2)) || lo + span > 2 ** (w - 2) - 1).toBe(true);
      }),
    );
  });
  it('unsignedBitsFor and indexBits', () => {
    expect(unsignedBitsFor(0)).toBe(1);
    expect(unsignedBitsFor(255)).toBe(8);
    expect(unsignedBitsFor(256)).toBe(9);
    expect([1, 2, 3, 4, 5, 16, 17].map(indexBits)).toEqual([1, 1, 2, 2, 3, 4, 5]);
  });
});

describe('roundingShiftRight', () => {
  it('equals floor((x + 2^(s-1)) / 2^s) computed with BigInt', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 45), max: 2 ** 45 }), fc.integer({ min: 0, max: 6 }), (x, s) => {
        const big = BigInt(x);
        const expected = s === 0 ? big : (big + (1n << BigInt(s - 1))) >> BigInt(s); // BigInt >> floors
        expect(roundingShiftRight(x, s)).toBe(Number(expected));
      }),
    );
  });
  it('rounds half up', () => {
    expect(roundingShiftRight(3, 1)).toBe(2); // 1.5 → 2
    expect(roundingShiftRight(-3, 1)).toBe(-1); // −1.5 → −1
    expect(roundingShiftRight(-5, 2)).toBe(-1); // −1.25 → −1
  });
});

describe('requantizer', () => {
  it('keeps the multiplier within its precision and close to the real factor', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1000, noNaN: true }), fc.integer({ min: 4, max: 24 }), (real, bits) => {
        const rq = makeRequantizer(real, bits);
        const approx = rq.multiplier / 2 ** rq.shift;
        if (real * 2 < 2 ** bits) expect(rq.multiplier).toBeLessThan(2 ** bits);
        // Relative error bounded by the multiplier's precision (or exact when shift hits its cap).
        expect(Math.abs(approx - real) / real).toBeLessThanOrEqual(2 ** -(bits - 2));
      }),
    );
  });
  it('saturates and applies ReLU after saturation', () => {
    const rq = { multiplier: 1, shift: 0, multiplierBits: 1 };
    expect(requantize(1000, rq, 8, false)).toBe(127);
    expect(requantize(-1000, rq, 8, false)).toBe(-128);
    expect(requantize(-1000, rq, 8, true)).toBe(0);
    expect(saturateSigned(5, 3)).toBe(3);
    expect(quantize(0.25, 0.5, 8)).toBe(0); // 0.5 → round half even → 0
    expect(quantize(100, 0.1, 8)).toBe(127);
  });
  it('refuses a non-positive factor', () => {
    expect(() => makeRequantizer(0, 16)).toThrow(/positive/);
  });
});
