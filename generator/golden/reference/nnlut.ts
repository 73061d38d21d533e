/**
 * The artifact reference of an nnlut unit (artifact-reference.ts): breakpoints and coefficients
 * quantized again from the real table (number-formats.md §6), evaluated in BigInt.
 */
import type { NnlutLayer } from '../../artifact/types.ts';
import type { NnlutPlan } from '../../plan/types.ts';
import type { LayerReference } from '../artifact-reference.ts';
import { big, floorShift, rhe, satBig } from './arith.ts';

/** Nothing is read from the plan: an nnlut unit has no implementation choice that changes numbers. */
export function nnlutReference(layer: NnlutLayer, _plan: NnlutPlan): LayerReference {
  const { input, output, rangeReduction } = layer;
  const lo = -(2 ** (input.bits - 1));
  const hi = 2 ** (input.bits - 1) - 1;
  const dLo = rangeReduction === 'none' ? lo : rangeReduction === 'reciprocal' ? 2 ** (input.bits - 2) : 2 ** (input.bits - 3);
  const breakpoints = layer.breakpoints.map((d) => {
    const u = d / input.scale;
    const near = Math.round(u);
    const b = Math.abs(u - near) <= 1e-9 * Math.max(1, Math.abs(u)) ? near : Math.ceil(u);
    return Math.min(hi + 1, Math.max(dLo, b));
  });
  const slopeMax = 2 ** (layer.coefficientBits - 1) - 1;
  const interceptMax = 2 ** 31 - 1;
  const fits = (F: number) =>
    layer.slopes.every((s) => Math.abs(rhe(((s * input.scale) / output.scale) * 2 ** F)) <= slopeMax) &&
    layer.intercepts.every((t) => Math.abs(rhe((t / output.scale) * 2 ** F)) <= interceptMax);
  let F = 30;
  while (F > 0 && !fits(F)) F--;
  const slopes = layer.slopes.map((s) => big(rhe(((s * input.scale) / output.scale) * 2 ** F)));
  const intercepts = layer.intercepts.map((t) => big(rhe((t / output.scale) * 2 ** F)));

  return {
    run(x) {
      return Int32Array.from(x, (xi) => {
        if (rangeReduction !== 'none' && xi <= 0) return 2 ** (output.bits - 1) - 1;
        let m = xi;
        let k = 0;
        if (rangeReduction !== 'none') {
          let msb = 0;
          while (2 ** (msb + 1) <= xi) msb++;
          let e = input.bits - 2 - msb;
          if (rangeReduction === 'rsqrt' && e % 2 !== 0) e -= 1;
          m = xi * 2 ** e;
          k = rangeReduction === 'reciprocal' ? e : e / 2;
        }
        const seg = breakpoints.filter((b) => m >= b).length;
        const v = (slopes[seg] * big(m) + intercepts[seg]) << big(k);
        return Number(satBig(F > 0 ? floorShift(v + (1n << big(F - 1)), F) : v, output.bits));
      });
    },
  };
}
