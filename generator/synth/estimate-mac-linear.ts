/** Analytic estimate of the MAC-array baseline (mac_linear): the top (multipliers, sums, accumulators), the requantizers and output FIFO it shares with lut_linear, and its weight ROM. */
import { bankedInput } from '../plan/stream.ts';
import type { MacLinearPlan } from '../plan/types.ts';
import { beatFifoEstimate, bramCount, constMulLuts, mulLuts, outFifoEstimate, requantEstimate, romLogic, unit, type UnitEstimate } from './estimate-units.ts';
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
  // Multipliers go to DSP blocks where the flow maps them (every one of them), else to logic.
  const dsp = t.dspMultipliers ? lanes : 0;
  const mulInLogic = t.dspMultipliers ? 0 : lanes;
  // A one-word weight ROM is a constant: its multipliers become shift-and-add.
  const mul = p.memory.weights.depth <= 1 ? constMulLuts(B, wb) : mulLuts(B, wb);
  const prodW = B + wb;
  const sumW = prodW + Math.ceil(Math.log2(Math.max(2, Pd)));
  const banked = bankedInput(p) !== undefined;
  const top = unit(
    p.modules.top,
    {
      DSP: dsp,
      // Product sums and accumulators are counted in the fabric on every family: with the requantizer
      // and FIFO in modules of their own, the synthesis test layer's MAC top alone took 347 LUT6 on
      // xilinx-7, more than the whole inline design's 223 before.
      // The holding and working registers and the slice mux, unless a banked stream buffer holds the input.
      LUT: mulInLogic * mul + Pm * (Pd - 1) * sumW + Pm * A + M * ob * 0.5 + (banked ? 0 : D * B * 0.5) + 40,
      FF: (banked ? 0 : D * B * 2) + lanes * prodW + Pm * (sumW + A) + 40,
      CARRY: Pm * ((Pd - 1) * sumW + A),
    },
    p.timing.latency,
    ii,
  );
  const requant = requantEstimate(p.modules.requant, p.requant, A, ob, Pm, t, false, p.timing.requantLatency);
  const fifo = p.beatOutput ? beatFifoEstimate(p.modules.outFifo, p.beatOutput, Pm, ob, t) : outFifoEstimate(p.modules.outFifo, p.timing.outFifoDepth, M * ob);
  const wm = p.memory.weights;
  const rom = wm.style === 'block' ? unit(p.modules.weightRom, { BRAM: wm.banks * bramCount(t.family, wm.width, wm.depth) }, 1, 1) : unit(p.modules.weightRom, romLogic(wm.width, wm.depth), 1, 1);
  return [top, requant, fifo, rom];
}
