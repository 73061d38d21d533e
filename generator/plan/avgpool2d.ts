/**
 * Planner for an avgpool2d layer (plan/pool.ts): zero padding in front of a registered rounded mean
 * per channel, and the multiply-and-shift that divides exactly (docs/number-formats.md "Average
 * pooling").
 *
 * The mean of a window of N = kh·kw INT b values, rounded half up, is floor(sum / N + 1/2) =
 * floor(x / 2N) − 2^(b−1) with x = 2·sum + N·(2^b + 1), which is never negative and below
 * X = N·2^(b+1). The hardware computes floor(x / 2N) as (x · m) >> S with m = ⌈2^S / 2N⌉: writing
 * m·2N = 2^S + e (0 ≤ e < 2N), x·m / 2^S = x / 2N + x·e / (2N·2^S), so the floor is exact for every
 * x whose x·e < 2^S (the extra term stays below 1 / 2N, less than the gap from x / 2N to the next
 * integer). The planner takes the smallest S with (X − 1)·e < 2^S.
 */
import type { AvgPool2dLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { unsignedBitsFor } from '../numeric/fixed.ts';
import { planPool } from './pool.ts';
import type { AvgPool2dPlan, MeanDivider } from './types.ts';

/** Cycles from the mean unit taking a patch to its output pixel being valid. */
export const MEAN_UNIT_LATENCY = 1;

/** The exact multiply-and-shift for the rounded mean of `n` INT `bits` values (the module comment). */
export function meanDivider(n: number, bits: number): MeanDivider {
  const d = 2n * BigInt(n);
  const xMax = BigInt(n) * 2n ** BigInt(bits + 1) - 1n;
  for (let s = 0n; ; s++) {
    const p = 2n ** s;
    const m = (p + d - 1n) / d;
    const e = m * d - p;
    if (xMax * e < p) {
      const xBits = unsignedBitsFor(Number(xMax));
      return {
        divisor: n,
        offset: n * (2 ** bits + 1),
        multiplier: Number(m),
        shift: Number(s),
        xBits,
        // Wide enough for the product and for the mean's bits above the shift.
        productBits: Math.max(xBits + unsignedBitsFor(Number(m)), Number(s) + bits),
      };
    }
  }
}

/** The rounded mean the divider computes, from a window's sum (what golden model and hardware compute). */
export function dividedMean(div: MeanDivider, sum: number, bits: number): number {
  const x = BigInt(2 * sum + div.offset);
  return Number((x * BigInt(div.multiplier)) >> BigInt(div.shift)) - 2 ** (bits - 1);
}

export function planAvgPool2d(layer: AvgPool2dLayer, hw: LayerHwConfig, prefix: string, file: string): AvgPool2dPlan {
  const pooled = planPool(layer, 'avgpool2d', 0, MEAN_UNIT_LATENCY, hw, prefix, file);
  return { kind: 'avgpool2d', name: layer.name, ...pooled, mean: meanDivider(layer.conv.kernel[0] * layer.conv.kernel[1], layer.format.bits) };
}
