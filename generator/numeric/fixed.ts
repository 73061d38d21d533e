/**
 * Integer number-format primitives shared by the planner, the golden model and the tests.
 * Every rounding, saturation and width rule of the tool lives here (documented in
 * docs/number-formats.md); the Verilog templates implement the same rules and the
 * Verilator regression proves they agree.
 *
 * All functions work on JavaScript numbers holding integers. The planner guarantees every
 * intermediate value stays below 2^53 in magnitude, where float64 arithmetic is exact.
 */

export const MAX_EXACT_BITS = 53;

/** Smallest value of a `bits`-wide two's-complement integer. */
export function signedMin(bits: number): number {
  return -(2 ** (bits - 1));
}

/** Largest value of a `bits`-wide two's-complement integer. */
export function signedMax(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** Clamp to the `bits`-wide signed range (saturation). */
export function saturateSigned(value: number, bits: number): number {
  const lo = signedMin(bits);
  const hi = signedMax(bits);
  return value < lo ? lo : value > hi ? hi : value;
}

/**
 * Round half to even, as torch.round and numpy.round do. Used for every offline float→int
 * conversion (tables, centroids, bias, input quantization) so results match what trainers compute.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds half up (toward +inf); r − x is exactly 0.5 on a tie
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Fewest bits of a signed two's-complement integer that holds every value in [lo, hi]. */
export function signedBitsFor(lo: number, hi: number): number {
  let bits = 1;
  while (lo < signedMin(bits) || hi > signedMax(bits)) bits += 1;
  return bits;
}

/** Fewest bits of an unsigned integer that holds every value in [0, hi] (at least 1). */
export function unsignedBitsFor(hi: number): number {
  let bits = 1;
  while (hi > 2 ** bits - 1) bits += 1;
  return bits;
}

/** ceil(log2(n)) with a minimum of 1: the width of a counter or index over n values. */
export function indexBits(n: number): number {
  return n <= 2 ? 1 : unsignedBitsFor(n - 1);
}

/**
 * Arithmetic shift right by `shift` with round-half-up: floor((x + 2^(shift-1)) / 2^shift).
 * This is the hardware's `(x + ROUND) >>> SHIFT`. shift = 0 returns x unchanged.
 */
export function roundingShiftRight(x: number, shift: number): number {
  if (shift === 0) return x;
  return Math.floor((x + 2 ** (shift - 1)) / 2 ** shift);
}

/** Requantization parameters: real multiplier ≈ multiplier / 2^shift. */
export interface Requantizer {
  multiplier: number;
  shift: number;
  /** Bits of the unsigned multiplier constant. */
  multiplierBits: number;
}

/**
 * Represent a positive real rescale factor as an integer multiplier and a right shift:
 * the largest shift (≤ maxShift) such that round(real·2^shift) still fits `precisionBits`
 * unsigned bits. Factors ≥ 2^precisionBits keep shift 0 and widen the multiplier instead.
 */
export function makeRequantizer(real: number, precisionBits: number, maxShift = 62): Requantizer {
  if (!(real > 0) || !Number.isFinite(real)) {
    throw new RangeError(`requantization factor must be finite and positive, got ${real}`);
  }
  const limit = 2 ** precisionBits - 1;
  let shift = 0;
  while (shift < maxShift && roundHalfEven(real * 2 ** (shift + 1)) <= limit) shift += 1;
  let multiplier = roundHalfEven(real * 2 ** shift);
  if (multiplier === 0) multiplier = 1; // a factor below 2^-maxShift: smallest representable
  return { multiplier, shift, multiplierBits: unsignedBitsFor(multiplier) };
}

/** acc · multiplier, rounding shift, saturation to `outBits`, optional ReLU: the requantizer. */
export function requantize(acc: number, rq: Requantizer, outBits: number, relu: boolean): number {
  const y = saturateSigned(roundingShiftRight(acc * rq.multiplier, rq.shift), outBits);
  return relu && y < 0 ? 0 : y;
}

/** Quantize a real value to a signed `bits` integer at `scale` (round half even, saturate). */
export function quantize(x: number, scale: number, bits: number): number {
  return saturateSigned(roundHalfEven(x / scale), bits);
}

/** Interval arithmetic helper: [lo, hi] of a·b for a ∈ [alo, ahi] and constant b. */
export function scaleInterval(alo: number, ahi: number, b: number): [number, number] {
  const p = alo * b;
  const q = ahi * b;
  return p <= q ? [p, q] : [q, p];
}
