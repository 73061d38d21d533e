/** The CCS's analytic estimate (encoders/ccs/estimate.ts): one unit, the plan's latency, a DSP per variable product. */
import { describe, expect, it } from 'vitest';
import { estimateCcs } from '../../../generator/encoders/ccs/estimate.ts';
import type { LutLinearPlan } from '../../../generator/plan/types.ts';
import { TARGETS } from '../../../generator/synth/targets.ts';
import { planRandomLayer } from '../../support/plan-random.ts';
import { ccsOf, FULL_SCALE_16 } from '../../support/reference-check.ts';

describe('CCS estimate', () => {
  it('is one unit at the plan’s latency; with a centroid ROM every l2 product is a DSP where the flow maps them', async () => {
    const { design } = await planRandomLayer({ ...FULL_SCALE_16, inBits: 8, codebooksPerCycle: 1 });
    const layer = design.layers[0] as LutLinearPlan;
    const ccs = ccsOf(layer);
    expect(ccs.stepRom).not.toBeNull();
    const [unit, ...rest] = estimateCcs(layer, ccs, TARGETS.ecp5);
    expect(rest).toEqual([]);
    expect(unit).toMatchObject({ module: ccs.module, latency: ccs.latency, ii: 1, DSP: layer.dims.K * layer.dims.V });
    expect(estimateCcs(layer, ccs, TARGETS['ice40-hx8k'])[0].DSP).toBe(0);
  });
});
