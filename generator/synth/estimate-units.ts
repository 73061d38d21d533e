/**
 * The building blocks of the analytic estimate (estimate.ts): one unit's resources and timing, and
 * the LUT4 costs of the datapath pieces the emitters generate. Each layer kind's and encoder's
 * estimate (estimate-<kind>.ts, encoders/<kind>/estimate.ts) adds them up for its units.
 */
import type { BeatOutputPlan, RequantPlan } from '../plan/types.ts';
import { zeroCounts, type ResourceCounts, type Target } from './targets.ts';

export interface UnitEstimate extends ResourceCounts {
  module: string;
  latency: number;
  ii: number;
}

/** Block RAM primitives of one family: aspect ratios (width × depth) of one primitive and its unit cost. */
const BRAM_SHAPES: Record<Target['family'], { shapes: [number, number][]; cost: number }> = {
  ice40: { shapes: [[16, 256], [8, 512], [4, 1024], [2, 2048]], cost: 1 },
  ecp5: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 1 },
  // RAMB18 halves of a RAMB36 (simple dual port 36 × 512).
  xilinx: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 0.5 },
  gowin: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 1 },
  // No block RAM is inferred on an ASIC target (synth/run.ts gives it no estimate).
  asic: { shapes: [], cost: 0 },
};

export function bramCount(family: Target['family'], width: number, depth: number): number {
  const { shapes, cost } = BRAM_SHAPES[family];
  if (shapes.length === 0) return 0;
  return cost * Math.min(...shapes.map(([w, d]) => Math.ceil(width / w) * Math.ceil(depth / d)));
}

/**
 * A constant ROM in logic with its read register: each output bit is a function of the address;
 * bits with the same column pattern merge, so a ROM of d words has at most 2^d distinct bits.
 */
export function romLogic(width: number, depth: number): { LUT: number; FF: number } {
  const distinct = depth < 16 ? Math.min(width, 2 ** Math.max(1, depth)) : width;
  if (depth <= 2) return { LUT: Math.ceil(distinct * 0.3), FF: distinct };
  return { LUT: Math.ceil(distinct * Math.ceil(depth / 16) * (depth > 16 ? 1.3 : 0.8)), FF: distinct };
}

/** LUT4s of a signed b1 × b2 multiplier of two variables in logic (array of partial-product adders). */
export function mulLuts(b1: number, b2: number): number {
  return Math.round(3.6 * b1 * b2);
}

/** LUT4s of a multiplication of a b1-bit variable by a b2-bit constant (shift-and-add). */
export function constMulLuts(b1: number, b2: number): number {
  return Math.round(0.45 * b1 * b2);
}

/** 0 and powers of two (either sign): Yosys turns these products into shifts, not multipliers. */
export function isTrivialFactor(c: number): boolean {
  const a = Math.abs(c);
  return a === 0 || Number.isInteger(Math.log2(a));
}

export function countNontrivial(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!isTrivialFactor(values[i])) n++;
  return n;
}

/** The generic LUT4 count of one unit's datapath; `lut6` families need fewer. */
export function unit(module: string, c: Partial<ResourceCounts>, latency: number, ii: number): UnitEstimate {
  return { module, ...zeroCounts(), ...c, latency, ii };
}

/**
 * The requantizers of P_m output lanes (emit/common/requant.ts, shared by lut_linear and the MAC
 * baseline): a multiplication by a constant (a DSP where the flow maps multipliers; with
 * `pipeline: max` shift-and-add, one adder per further set multiplier bit), round, shift, saturate.
 */
export function requantEstimate(module: string, rq: RequantPlan, accWidth: number, outBits: number, lanes: number, t: Target, productTree: boolean, latency: number): UnitEstimate {
  const useDsp = t.dspMultipliers && !productTree && !isTrivialFactor(rq.multiplier);
  const setBits = Math.max(1, rq.multiplier.toString(2).split('1').length - 1);
  const luts = rq.roundedWidth + outBits + (productTree ? (setBits - 1) * rq.roundedWidth : useDsp ? 0 : constMulLuts(accWidth, rq.multiplierBits));
  return unit(module, { DSP: useDsp ? lanes : 0, LUT: lanes * luts, FF: Math.round(lanes * 0.6 * (rq.productWidth + outBits)), CARRY: useDsp ? 0 : lanes * rq.roundedWidth }, latency, 1);
}

/**
 * The beat FIFO of a stream output (emit/common/beat-fifo.ts): the group register of `lanes`
 * results (loads or shifts: a 2:1 mux per bit), pointers and counters, and the memory of
 * fifoWords beats, in block RAM or in flops with a read multiplexer.
 */
export function beatFifoEstimate(module: string, bo: BeatOutputPlan, lanes: number, bits: number, t: Target): UnitEstimate {
  const W = bo.elementsPerBeat * bits;
  const ctl = 4 * Math.ceil(Math.log2(bo.fifoWords + 1)) + 16;
  const mem = bo.style === 'block' ? { BRAM: bramCount(t.family, W, bo.fifoWords) } : { LUT: W * bo.fifoWords * 0.5, FF: W * bo.fifoWords };
  return unit(module, { LUT: (bo.beatsPerGroup > 1 ? lanes * bits : 0) + ctl + (mem.LUT ?? 0), FF: lanes * bits + W + ctl + (mem.FF ?? 0), BRAM: mem.BRAM ?? 0 }, 3, 1);
}

/** The output FIFO of `depth` whole vectors of `width` bits (emit/common/out-fifo.ts): slots in flops, a read mux. */
export function outFifoEstimate(module: string, depth: number, width: number): UnitEstimate {
  return unit(module, { LUT: width * (depth > 2 ? 1.5 : 1) + 10, FF: depth * width + 8 }, 1, 1);
}
