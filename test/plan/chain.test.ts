/** The chain's schedule (plan/chain.ts): the pixel FIFO's depth from arrivals and takes. */
import { describe, expect, it } from 'vitest';
import { fifoDepth } from '../../generator/plan/chain.ts';

describe('fifoDepth', () => {
  it('is 0 when every beat is taken in the cycle it comes', () => {
    expect(fifoDepth([0, 1, 5, 9], [0, 1, 5, 9])).toBe(0);
    expect(fifoDepth([], [])).toBe(0);
  });
  it('holds one beat that waits while nothing else does', () => {
    // Beat 1 comes at 1 and is taken at 3; beat 2 comes at 4, after it left.
    expect(fifoDepth([0, 1, 4], [0, 3, 4])).toBe(1);
  });
  it('is one more than the beats held when one comes (hand-counted burst)', () => {
    // A burst of 4 beats in cycles 0–3, taken every 3 cycles from 0: at cycle 3's arrival, beats 1 and 2
    // are still held (beat 1 leaves at 3 itself, beat 0 at 0), so 2 are held after cycle 2.
    expect(fifoDepth([0, 1, 2, 3], [0, 3, 6, 9])).toBe(3);
  });
  it('has room for a beat that comes while the one held leaves: a full FIFO is not ready (its ready is a register compare)', () => {
    // Each beat waits one cycle: one held when the next comes, so 2.
    expect(fifoDepth([0, 1, 2], [1, 2, 3])).toBe(2);
  });
});
