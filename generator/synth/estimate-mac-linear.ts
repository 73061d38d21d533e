/** Analytic estimate of the MAC-array baseline (mac_linear): the top (multipliers, sums, accumulators, requantizers, FIFO) and its weight ROM. */
import type { MacLinearPlan } from '../plan/types.ts';
import { bramCount, constMulLuts, isTrivialFactor, mulLuts, romLogic, unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';

export function estimateMacLinear(p: MacLinearPlan, t: Target): UnitEstimate[] {
  const { D, M } = p.dims;
  const { inputsPerCycle: Pd, outputsPerCycle: Pm } = p.parallel;
  const B = p.input.bits;
  const wb = p.weights.bits;
  const A = p.accumulator.width;
  const ob = p.output.bits;
  const ii = p.timing.initiationInterval;
  const lanes = Pd * Pm;
  const m = p.requant.multiplierBits;
  // Multipliers go to DSP blocks where the flow maps them (every one of them), else to logic.
  const rqDsp = t.dspMultipliers && !isTrivialFactor(p.requant.multiplier);
  const dsp = t.dspMultipliers ? lanes + (rqDsp ? Pm : 0) : 0;
  const mulInLogic = t.dspMultipliers ? 0 : lanes;
  // DSP48E1 has a post-adder and an accumulator: Yosys (xilinx_dsp) packs the product sums and the
  // accumulation into the DSP chain, so they leave the fabric.
  const absorbed = t.dspMultipliers && t.family === 'xilinx';
  const rqInLogic = rqDsp ? 0 : Pm;
  // A one-word weight ROM is a constant: its multipliers become shift-and-add.
  const mul = p.memory.weights.depth <= 1 ? constMulLuts(B, wb) : mulLuts(B, wb);
  const prodW = B + wb;
  const sumW = prodW + Math.ceil(Math.log2(Math.max(2, Pd)));
  const top = unit(
    p.modules.top,
    {
      DSP: dsp,
      LUT: mulInLogic * mul + (absorbed ? 0 : Pm * (Pd - 1) * sumW + Pm * A) + rqInLogic * constMulLuts(A, m) + Pm * (p.requant.roundedWidth + ob) + M * ob * 1.5 + D * B * 0.5 + 40,
      FF: D * B * 2 + lanes * prodW + Pm * (sumW + A + p.requant.productWidth + ob) + p.timing.outFifoDepth * M * ob + 40,
      CARRY: Pm * ((Pd - 1) * sumW + A),
    },
    p.timing.latency,
    ii,
  );
  const wm = p.memory.weights;
  const rom = wm.style === 'block' ? unit(p.modules.weightRom, { BRAM: wm.banks * bramCount(t.family, wm.width, wm.depth) }, 1, 1) : unit(p.modules.weightRom, romLogic(wm.width, wm.depth), 1, 1);
  return [top, rom];
}
