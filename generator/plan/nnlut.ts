/**
 * Planner for an nnlut unit: artifact layer + hardware knobs → NnlutPlan. Quantization follows
 * generator/numeric/nnlut.ts (docs/number-formats.md §6); this is the only place the unit's
 * widths, constants and latency are decided.
 */
import type { NnlutLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { MAX_EXACT_BITS, nnlutWidths, quantizeNnlut } from '../numeric/nnlut.ts';
import type { NnlutModuleNames, NnlutPlan, NnlutTiming } from './types.ts';

export function nnlutModuleNames(prefix: string): NnlutModuleNames {
  return { top: `${prefix}_top`, lane: `${prefix}_lane`, outFifo: `${prefix}_out_fifo` };
}

/** Datapath registers for 1 … 4 stages: output; + after compare; + after multiply; + after select. */
export function pipelineCuts(stages: number): NnlutPlan['pipeline'] {
  return { stages, afterCompare: stages >= 2, afterMultiply: stages >= 3, afterSelect: stages >= 4 };
}

export function planNnlutTiming(steps: number, laneLatency: number): NnlutTiming {
  const latency = steps + laneLatency + 1;
  const ii = steps;
  // A credit is taken at accept and returned the cycle after the pop: floor(latency / II) vectors
  // are outstanding when the next one arrives in steady state.
  const outFifoDepth = Math.max(2, Math.floor(latency / ii) + 1);
  return { latency, initiationInterval: ii, outFifoDepth, laneLatency, watchdogCycles: latency + ii * outFifoDepth + 16 };
}

export function planNnlut(layer: NnlutLayer, hw: LayerHwConfig, prefix: string, file: string): NnlutPlan {
  const E = layer.features;
  const L = hw.lanesPerCycle === 'all' ? E : Math.min(hw.lanesPerCycle, E);
  const S = Math.ceil(E / L);
  const q = quantizeNnlut(
    { ...layer, breakpoints: layer.breakpoints, slopes: layer.slopes, intercepts: layer.intercepts },
    { file, field: `layers.${layer.name} (nnlut table)` },
  );
  const w = nnlutWidths(q);
  const operandWidth = layer.input.bits + 1; // m as a non-negative or signed operand, sign-extended
  const macWidth = Math.max(w.accWidth, w.slopeWidth, w.interceptWidth, operandWidth);
  if (w.roundedWidth > MAX_EXACT_BITS || macWidth > MAX_EXACT_BITS) {
    throw new LutnnError(`The datapath of nnlut layer "${layer.name}" would need ${Math.max(w.roundedWidth, macWidth)} bits.`, {
      file,
      field: `layers.${layer.name}`,
      expected: `slope × input + intercept, shifted by the range reduction, within ${MAX_EXACT_BITS} bits`,
      found: `${w.accWidth}-bit accumulator, shift up to ${q.maxShift}, F = ${q.fracBits}; lower coefficient_bits or the input width`,
    });
  }
  return {
    kind: 'nnlut',
    name: layer.name,
    modules: nnlutModuleNames(prefix),
    function: layer.function,
    dims: { elements: E, segments: layer.slopes.length },
    input: { ...layer.input },
    output: { ...layer.output },
    rangeReduction: layer.rangeReduction,
    parallel: { lanes: L, steps: S },
    pipeline: pipelineCuts(hw.pipelineStages),
    table: {
      breakpoints: q.breakpoints,
      slopes: q.slopes,
      intercepts: q.intercepts,
      fracBits: q.fracBits,
      coefficientBits: layer.coefficientBits,
      slopeWidth: w.slopeWidth,
      interceptWidth: w.interceptWidth,
      domain: q.domain,
      maxShift: q.maxShift,
    },
    datapath: { accRange: w.accRange, accWidth: w.accWidth, macWidth, roundedWidth: w.roundedWidth },
    timing: planNnlutTiming(S, hw.pipelineStages),
  };
}

/** The quantized table of a plan in the form evalNnlut takes. */
export function nnlutTableOf(plan: NnlutPlan) {
  return {
    inBits: plan.input.bits,
    outBits: plan.output.bits,
    rangeReduction: plan.rangeReduction,
    breakpoints: plan.table.breakpoints,
    slopes: plan.table.slopes,
    intercepts: plan.table.intercepts,
    fracBits: plan.table.fracBits,
    domain: plan.table.domain,
    maxShift: plan.table.maxShift,
  };
}
