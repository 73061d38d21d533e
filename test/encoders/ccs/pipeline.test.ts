/** `pipeline: max` terms of the CCS (encoders/ccs/pipeline.ts); the RTL itself: test/rtl/pipeline-max.test.ts. */
import { describe, expect, it } from 'vitest';
import { l2Terms, wrapSigned } from '../../../generator/encoders/ccs/pipeline.ts';

describe('l2 partial-product terms', () => {
  it('sum to norm − 2·a·p for every input and centroid (B = 5, exhaustive over a and p)', () => {
    const B = 5;
    const W = 16;
    for (let p = -16; p < 16; p++) {
      const terms = l2Terms(1, B, W, [p], p * p);
      for (let a = -16; a < 16; a++) {
        let s = 0;
        for (const t of terms) {
          if (t.kind === 'const') s += t.value;
          else if (t.kind === 'pp') s += (t.inverted ? ~a : a) * 2 ** t.shift;
        }
        expect(wrapSigned(s, W)).toBe(p * p - 2 * a * p);
      }
    }
  });
});
