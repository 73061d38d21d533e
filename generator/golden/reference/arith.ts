/**
 * The artifact reference's own arithmetic (artifact-reference.ts), written out without the shared
 * helpers of numeric/fixed.ts on purpose: a bug there must not hide in both the plan and the reference.
 */

/** Round half to even. */
export function rhe(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export const big = (n: number) => BigInt(n);

/** Saturate to the signed `bits` range (BigInt). */
export const satBig = (v: bigint, bits: number) => {
  const hi = (1n << big(bits - 1)) - 1n;
  const lo = -(1n << big(bits - 1));
  return v < lo ? lo : v > hi ? hi : v;
};

/** Saturate to the signed `bits` range. */
export const satNum = (v: number, bits: number) => Math.min(2 ** (bits - 1) - 1, Math.max(-(2 ** (bits - 1)), v));

/** floor(v / 2^s) for BigInt v (>> is an arithmetic, flooring shift on BigInt). */
export const floorShift = (v: bigint, s: number) => v >> big(s);
