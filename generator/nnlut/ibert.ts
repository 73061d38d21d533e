/**
 * I-BERT's integer-only GELU and exp (Kim et al., ICML'21, Algorithms 2 and 3), the baseline
 * NN-LUT is compared against. Integer arithmetic as in the paper (floor of real constants divided
 * by the scale, a second-order polynomial in integers, a shift for exp); the integer result is then
 * rounded to the same output format as the NN-LUT table so both are judged on equal terms.
 */
import { quantize } from '../numeric/fixed.ts';
import type { StreamFormat } from '../artifact/types.ts';

/** i-poly: a(x + b)² + c for x = q·S in integers: q_out = (q + ⌊b/S⌋)² + ⌊c/(aS²)⌋, S_out = aS². */
function iPoly(q: number, S: number, a: number, b: number, c: number): { q: number; S: number } {
  const qb = Math.floor(b / S);
  const qc = Math.floor(c / (a * S * S));
  return { q: (q + qb) ** 2 + qc, S: a * S * S };
}

/** i-exp for q ≤ 0 at scale S (Algorithm 3): x = −z·ln2 + p, exp(p) by i-poly, then >> z. */
export function iExp(q: number, S: number): { q: number; S: number } {
  const qln2 = Math.floor(Math.LN2 / S);
  const z = Math.floor(-q / qln2);
  const qp = q + z * qln2;
  const { q: ql, S: sl } = iPoly(qp, S, 0.3585, 1.353, 0.344);
  return { q: Math.floor(ql / 2 ** z), S: sl };
}

/** i-erf (Algorithm 2): sgn(x)·[a(clip(|x|, max = −b) + b)² + 1], a = −0.2888, b = −1.769. */
function iErf(q: number, S: number): { q: number; S: number } {
  const a = -0.2888;
  const b = -1.769;
  const sgn = Math.sign(q);
  const qa = Math.min(Math.abs(q), Math.floor(-b / S));
  const { q: ql, S: sl } = iPoly(qa, S, a, b, 1);
  return { q: sgn * ql, S: sl };
}

/** i-GELU (Algorithm 2): x·½[1 + erf(x/√2)] in integers. */
export function iGelu(q: number, S: number): { q: number; S: number } {
  const e = iErf(q, S / Math.SQRT2);
  const q1 = Math.floor(1 / e.S);
  return { q: q * (e.q + q1), S: (S * e.S) / 2 };
}

/** The I-BERT baseline of `fn` on input integer x, as an output-format value (real). */
export function ibertOutput(fn: 'gelu' | 'exp', x: number, input: StreamFormat, output: StreamFormat): number {
  const r = fn === 'gelu' ? iGelu(x, input.scale) : iExp(Math.min(0, x), input.scale);
  return quantize(r.q * r.S, output.scale, output.bits) * output.scale;
}
