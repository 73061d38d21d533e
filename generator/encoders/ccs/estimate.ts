/** Analytic estimate of the CCS unit (docs/synthesis.md, "Analytic estimator"). */
import type { LutLinearPlan } from '../../plan/types.ts';
import { constMulLuts, countNontrivial, mulLuts, unit, type UnitEstimate } from '../../synth/estimate-units.ts';
import type { Target } from '../../synth/targets.ts';
import type { CcsPlan } from './types.ts';

export function estimateCcs(p: LutLinearPlan, ccs: CcsPlan, t: Target): UnitEstimate[] {
  const { K, V } = p.dims;
  const Pc = p.parallel.codebooksPerCycle;
  const B = p.input.bits;
  const W = ccs.distanceWidth;
  const iw = ccs.indexWidth;
  const rom = ccs.centroidStorage === 'rom';
  // Distances: l2 = norm − 2·Σ a·p (variable × variable with a centroid ROM, × constant otherwise);
  // l1/chebyshev = |a − p| (compare, subtract, select) summed or maxed. Then a K−1 node argmin tree.
  let distLuts: number;
  let distFfs = W;
  let dsp = 0;
  if (ccs.pipeline === 'max') {
    // Registered adder trees: one W-bit adder per pair of terms, about as many registers.
    const terms = ccs.metric === 'l2' ? (rom ? 1 + V * (B + 1) : 1 + (V * B) / 2) : V;
    distLuts = (terms - 1) * W + (ccs.metric === 'l2' ? 0 : V * 3 * W * 0.7);
    distFfs = Math.max(1, terms - 1) * W;
  } else if (ccs.metric === 'l2') {
    // a·p per coordinate: a DSP each where the flow maps multipliers (constant centroids: only
    // coordinates that are not 0 or a power of two stay multipliers), else logic.
    const mults = rom ? Pc * K * V : countNontrivial(ccs.centroids);
    if (t.dspMultipliers) {
      dsp = mults;
      distLuts = V * W * 0.6;
    } else distLuts = V * (rom ? mulLuts(B, B) : constMulLuts(B, B)) + V * W * 0.6;
  } else distLuts = V * 3 * W * 0.7 + (V - 1) * W;
  const treeLuts = (K - 1) * (W + iw + 1);
  const registeredNodes = ccs.treeRegisteredLevels.reduce((a, level) => a + Math.ceil(K / 2 ** level), 0);
  return [
    unit(ccs.module, { DSP: dsp, LUT: Math.round(Pc * (K * distLuts + treeLuts)), FF: Math.round(Pc * (K * distFfs + registeredNodes * (W + iw)) + ccs.latency), CARRY: Math.round(Pc * K * V * W * (rom && ccs.metric === 'l2' ? 1.2 : 0.5)) }, ccs.latency, 1),
  ];
}
