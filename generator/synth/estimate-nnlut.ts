/**
 * Analytic estimate of an nnlut unit (docs/synthesis.md, "Analytic estimator"): the top (capture,
 * shift, assembly, control), L lanes (range reduction, N−1 comparators, segment select, one
 * multiply-add, round and saturate, P register stages) and the output FIFO. Counted from
 * templates/nnlut/*.v.hbs like the other kinds' estimates. Not toleranced by a test yet; against
 * Yosys on iCE40 HX8K, a 16-bit GELU lane (16 segments) estimates 987 LUT4 for 908 synthesised
 * (36 FF for 47), a 12-bit 1/√x unit with range reduction (4 lanes, 8 segments) 3574 LUT4 for 3328
 * and 686 FF for 698.
 */
import { indexBits, unsignedBitsFor } from '../numeric/fixed.ts';
import type { NnlutPlan } from '../plan/types.ts';
import { constMulLuts, isTrivialFactor, romLogic, unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';

export function estimateNnlut(p: NnlutPlan, t: Target): UnitEstimate[] {
  const E = p.dims.elements;
  const N = p.dims.segments;
  const { lanes: L, steps: S } = p.parallel;
  const bi = p.input.bits;
  const bo = p.output.bits;
  const tb = p.table;
  const mac = p.datapath.macWidth;
  const wide = Math.max(p.datapath.roundedWidth, mac, bo) + 1;
  const reduced = p.rangeReduction !== 'none';
  const ii = p.timing.initiationInterval;
  const segW = indexBits(N);
  const kW = reduced ? unsignedBitsFor(bi - 1) : 0;

  // Comparators whose breakpoint lies inside the operand's domain (the others are constants).
  const [dlo, dhi] = tb.domain;
  const live = Array.from(tb.breakpoints).filter((b) => b > dlo && b <= dhi).length;
  // One slope for every segment: a multiplication by a constant. Otherwise the slope is one of N
  // constants selected per element, which Yosys maps at about 2 LUT4 per partial-product bit
  // (measured on the two units above), well below a multiplier of two free variables (mulLuts).
  const oneSlope = tb.slopes.every((s) => s === tb.slopes[0]);
  const trivial = oneSlope && isTrivialFactor(tb.slopes[0]);
  const dsp = !trivial && t.dspMultipliers ? 1 : 0;
  const mulLogic = trivial || dsp ? 0 : oneSlope ? constMulLuts(bi + 1, tb.slopeWidth) : 2 * (bi + 1) * tb.slopeWidth;
  const select = romLogic(tb.slopeWidth + tb.interceptWidth, N).LUT;
  // Range reduction: leading-zero count, input shifter, output shifter.
  const reduction = reduced ? bi + bi * kW + wide * kW : 0;
  const laneLuts = reduction + live * bi + (N - 1) * segW + select + mulLogic + mac + 2 * wide + bo;
  const { afterCompare, afterSelect, afterMultiply } = p.pipeline;
  const laneFfs = bo + (afterCompare ? segW + bi + kW : 0) + (afterSelect ? tb.slopeWidth + tb.interceptWidth + bi + kW : 0) + (afterMultiply ? mac + kW : 0);

  const F = p.timing.outFifoDepth;
  const groupOut = L * bo;
  return [
    unit(p.modules.top, { LUT: (S > 1 ? (E * bi) / 2 : 0) + 8, FF: E * bi + (S - 1) * groupOut + 2 * p.pipeline.stages + 16 }, p.timing.latency, ii),
    unit(p.modules.lane, { DSP: L * dsp, LUT: L * laneLuts, FF: L * laneFfs, CARRY: L * (live * bi + mac) }, p.timing.laneLatency, 1),
    unit(p.modules.outFifo, { LUT: E * bo * (F > 2 ? 1.5 : 1) + 10, FF: F * E * bo + 8 }, 1, 1),
  ];
}
