/** Small numeric-array helpers shared by conversion and import. */

/** Largest absolute value (0 for an empty array). */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}
