/** Test vectors at a hash tree's decisions (encoders/hash-tree/vectors.ts, through tb/vectors/lut-linear.ts). */
import { describe, expect, it } from 'vitest';
import { encodeHashTree } from '../../../generator/encoders/hash-tree/golden.ts';
import { hashTreeVectorInput } from '../../../generator/encoders/hash-tree/vectors.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { generateVectors } from '../../../tb/vectors/lut-linear.ts';
import { planTreeLayer } from '../../support/hash-tree-artifact.ts';
import { hashTreeOf } from '../../support/reference-check.ts';

describe('hash-tree vector inputs', () => {
  it('reach leaf k through ties (left turns on the threshold) and one step above (right turns)', async () => {
    // depth 3 on distinct columns 2, 0, 1; thresholds inside the 6-bit range.
    const thresholds = [0.5, -1, 1, -1.5, 0, 0.25, 1.25];
    const { design } = await planTreeLayer({ C: 1, V: 3, depth: 3, dims: [2, 0, 1], thresholds, bits: 6, scale: 1 / 8 });
    const layer = design.layers[0] as LutLinearPlan;
    const ht = hashTreeOf(layer);
    expect(Array.from(ht.thresholds)).toEqual(thresholds.map((t) => t * 8));
    for (let k = 0; k < 8; k++) {
      const x = [0, 1, 2].map((v) => hashTreeVectorInput(layer, ht, 0, k, v));
      expect(encodeHashTree(layer, ht, x, 0, new Int32Array(1))[0], `leaf ${k}`).toBe(k);
      // Level l splits on column dims[l]; its node along k's path is k >> (3 − l).
      [2, 0, 1].forEach((col, l) => {
        const T = ht.thresholds[2 ** l - 1 + (k >> (3 - l))];
        expect(x[col]).toBe((k >> (2 - l)) & 1 ? T + 1 : T);
      });
    }
  });

  it('the layer’s vectors include every extreme, inputs on thresholds and random ones', async () => {
    const { design } = await planTreeLayer({ C: 2, V: 2, depth: 2, dims: [0, 1, 3, 2], thresholds: [0, 0.5, -0.5, 1, -1, 0.125], bits: 8, scale: 1 / 16 });
    const layer = design.layers[0] as LutLinearPlan;
    const ht = hashTreeOf(layer);
    const x = generateVectors(layer, 400, 3);
    expect(Array.from(x.subarray(0, 4))).toEqual([-128, -128, -128, -128]);
    expect(Array.from(x.subarray(4, 8))).toEqual([127, 127, 127, 127]);
    const onThreshold = Array.from(x).filter((q) => ht.thresholds.includes(q)).length;
    expect(onThreshold / x.length).toBeGreaterThan(0.2);
  });
});
