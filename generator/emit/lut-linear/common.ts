/** Helpers shared by the lut_linear module emitters (those of every kind: emit/common/). */
import { encoderOf } from '../../encoders/registry.ts';
import type { LoadRegion, LutLinearPlan } from '../../plan/types.ts';
import type { HeaderParams } from '../common/context.ts';

/** Bits of one index group: P_c lanes of the encoder's index width. */
export function indexGroupBits(plan: LutLinearPlan): number {
  return plan.parallel.codebooksPerCycle * plan.encoder.indexWidth;
}

/** Standard header parameters of a layer, listed in every file's header (the encoder adds its own). */
export function layerParams(plan: LutLinearPlan): HeaderParams {
  const { D, M, C, K, V } = plan.dims;
  return {
    layer: plan.name,
    'D, M, C, K, V': `${D}, ${M}, ${C}, ${K}, ${V}`,
    ...encoderOf(plan.encoder).emit.headerParams(plan.encoder),
    'codebooks/cycle, outputs/cycle': `${plan.parallel.codebooksPerCycle}, ${plan.parallel.outputsPerCycle}`,
  };
}

/**
 * `pipeline: max`: the encoder's `in_ready_o` is a register, loaded with the value the
 * combinational ready would have in the next cycle (from the index buffer's next bank state), so
 * the accept that enables the whole input register starts at a flop. Cycle for cycle the same
 * handshake; on HX8K the combinational ready was the layer's critical path (bank flag → ready →
 * accept → every input-register enable).
 */
export function registeredReady(plan: LutLinearPlan): boolean {
  return plan.pipeline === 'max';
}

/** The layer's load regions the accumulator writes: table banks 0 … P_c−1 and the bias (plan/load-map.ts). */
export function accumulatorRegions(plan: LutLinearPlan): LoadRegion[] | undefined {
  return plan.load?.slice(0, plan.parallel.codebooksPerCycle + 1);
}

/** The layer's load region the encoder writes: its step RAM, region P_c + 1, when writable. */
export function encoderRegions(plan: LutLinearPlan): LoadRegion[] | undefined {
  return plan.encoder.stepRom?.writable ? plan.load?.slice(plan.parallel.codebooksPerCycle + 1) : undefined;
}
