import { describe, expect, it } from 'vitest';
import { deserializePlan, serializePlan } from '../../generator/plan/serialize.ts';
import { planRandomLayer } from '../support/plan-random.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';

describe('plan.json', () => {
  it('round-trips the plan exactly, typed arrays included', async () => {
    const { design } = await planRandomLayer({
      K: 5, V: 3, C: 4, M: 7, inBits: 12, outBits: 6, tableBits: 12, metric: 'l2', activation: 'none', source: 'int',
      withBias: true, duplicateFraction: 0.3, outputScaleFactor: 1, codebooksPerCycle: 3, outputsPerCycle: 2,
      treeLevelsPerStage: 1, memoryStyle: 'auto', reset: 'sync', seed: 99,
    });
    const back = deserializePlan(serializePlan(design), 'plan.json');
    expect(back).toEqual(design);
    expect((back.layers[0] as LutLinearPlan).table.values).toBeInstanceOf(Int32Array);
  });
  it('refuses a plan of another version', () => {
    expect(() => deserializePlan('{"planVersion": 99}', 'x/plan.json')).toThrow(/x\/plan\.json[\s\S]*planVersion[\s\S]*99/);
  });
});
