/** Small numeric-array helpers shared by conversion and import. */

/** Largest absolute value (0 for an empty array). */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** Argmax of every row (ties → lowest index). */
export function argmaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const out = new Int32Array(values.length / width);
  for (let n = 0; n < out.length; n++) {
    let best = 0;
    for (let m = 1; m < width; m++) if (values[n * width + m] > values[n * width + best]) best = m;
    out[n] = best;
  }
  return out;
}
