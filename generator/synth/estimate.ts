/**
 * Analytic resource and timing estimate of a planned design, without any tool: LUT, FF, block RAM
 * and DSP per unit, plus each unit's latency and initiation interval from the plan. Each layer
 * kind estimates its own units (`estimate` in kinds/registry.ts: estimate-<kind>.ts; a lut_linear
 * layer's encoder in encoders/<kind>/estimate.ts), counting the datapath the emitters generate
 * (adders, comparators, multipliers, registers, memories; estimate-units.ts) in 4-input LUTs;
 * 6-input-LUT families scale the LUT count. The synthesis report prints the estimate beside the
 * actual numbers; test/synth/synth.test.ts keeps it within the tolerance stated in
 * docs/synthesis.md on a small LUT-NN layer and its MAC baseline.
 */
import { layerKindOf } from '../kinds/registry.ts';
import type { DesignPlan } from '../plan/types.ts';
import type { UnitEstimate } from './estimate-units.ts';
import { streamEstimate } from './estimate-stream.ts';
import { RESOURCES, zeroCounts, type ResourceCounts, type Target } from './targets.ts';

export { bramCount, type UnitEstimate } from './estimate-units.ts';

export interface Estimate {
  target: string;
  units: UnitEstimate[];
  total: ResourceCounts;
}

/** LUT6 families pack about 1.6 LUT4s of logic into one LUT (and carry logic is denser). */
const LUT_SCALE: Record<Target['family'], number> = { ice40: 1, ecp5: 1, gowin: 1, xilinx: 0.6, asic: 1 };

export function estimateDesign(design: DesignPlan, t: Target): Estimate {
  const units = design.layers.flatMap((l) => [...layerKindOf(l).estimate(l, t), ...streamEstimate(l, t)]);
  const total = zeroCounts();
  for (const u of units) {
    u.LUT = Math.round(u.LUT * LUT_SCALE[t.family]);
    u.FF = Math.round(u.FF);
    u.CARRY = Math.round(t.family === 'xilinx' ? u.CARRY / 4 : u.CARRY);
    for (const r of RESOURCES) total[r] += u[r];
  }
  return { target: t.name, units, total };
}
