/** Layer timing (plan/timing.ts): latency, II, index banks and FIFO depth from the encoder's latency. */
import { describe, expect, it } from 'vitest';
import { planTiming, popcount, treeStages } from '../../generator/plan/timing.ts';

describe('lut_linear timing', () => {
  it('derives latency, II, banks and FIFO depth', () => {
    const t = planTiming(4, 1, 3);
    expect(t).toMatchObject({ latency: 4 + 4 + 3 + 6, initiationInterval: 4, indexBanks: 4, outFifoDepth: 3 });
    const full = planTiming(1, 1, 2);
    expect(full.initiationInterval).toBe(1);
    expect(full.indexBanks).toBe(6);
    expect(full.outFifoDepth).toBe(7);
    const slow = planTiming(16, 8, 4);
    expect(slow.indexBanks).toBe(2);
    expect(slow.outFifoDepth).toBe(2);
  });
  it('counts reduction-tree stages and set bits', () => {
    expect(popcount(0b1011)).toBe(3);
    expect(treeStages(37)).toBe(6);
    expect(treeStages(1)).toBe(1);
  });
});
