/**
 * Analytic resource and timing estimate of a planned design, without any tool: LUT, FF, block RAM
 * and DSP per unit, plus each unit's latency and initiation interval from the plan. The formulas
 * count the datapath the emitters generate (adders, comparators, multipliers, registers, memories)
 * in 4-input LUTs; 6-input-LUT families scale the LUT count. The synthesis report prints the
 * estimate beside the actual numbers; test/synth/estimate.test.ts keeps it within the tolerance
 * stated in docs/synthesis.md on the example designs.
 */
import type { DesignPlan, LayerPlan, LutLinearPlan, MacLinearPlan } from '../plan/types.ts';
import { RESOURCES, zeroCounts, type ResourceCounts, type Target } from './targets.ts';

export interface UnitEstimate extends ResourceCounts {
  module: string;
  latency: number;
  ii: number;
}

export interface Estimate {
  target: string;
  units: UnitEstimate[];
  total: ResourceCounts;
}

/** Block RAM primitives of one family: aspect ratios (width × depth) of one primitive and its unit cost. */
const BRAM_SHAPES: Record<Target['family'], { shapes: [number, number][]; cost: number }> = {
  ice40: { shapes: [[16, 256], [8, 512], [4, 1024], [2, 2048]], cost: 1 },
  ecp5: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 1 },
  // RAMB18 halves of a RAMB36 (simple dual port 36 × 512).
  xilinx: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 0.5 },
  gowin: { shapes: [[36, 512], [18, 1024], [9, 2048], [4, 4096], [2, 8192], [1, 16384]], cost: 1 },
};

export function bramCount(family: Target['family'], width: number, depth: number): number {
  const { shapes, cost } = BRAM_SHAPES[family];
  return cost * Math.min(...shapes.map(([w, d]) => Math.ceil(width / w) * Math.ceil(depth / d)));
}

/**
 * A constant ROM in logic with its read register: each output bit is a function of the address;
 * bits with the same column pattern merge, so a ROM of d words has at most 2^d distinct bits.
 */
function romLogic(width: number, depth: number): { LUT: number; FF: number } {
  const distinct = depth < 16 ? Math.min(width, 2 ** Math.max(1, depth)) : width;
  if (depth <= 2) return { LUT: Math.ceil(distinct * 0.3), FF: distinct };
  return { LUT: Math.ceil(distinct * Math.ceil(depth / 16) * (depth > 16 ? 1.3 : 0.8)), FF: distinct };
}

/** LUT4s of a signed b1 × b2 multiplier of two variables in logic (array of partial-product adders). */
function mulLuts(b1: number, b2: number): number {
  return Math.round(3.6 * b1 * b2);
}

/** LUT4s of a multiplication of a b1-bit variable by a b2-bit constant (shift-and-add). */
function constMulLuts(b1: number, b2: number): number {
  return Math.round(0.45 * b1 * b2);
}

/** 0 and powers of two (either sign): Yosys turns these products into shifts, not multipliers. */
function isTrivialFactor(c: number): boolean {
  const a = Math.abs(c);
  return a === 0 || Number.isInteger(Math.log2(a));
}

function countNontrivial(values: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!isTrivialFactor(values[i])) n++;
  return n;
}

/** The generic LUT4 count of one unit's datapath; `lut6` families need fewer. */
function unit(module: string, c: Partial<ResourceCounts>, latency: number, ii: number): UnitEstimate {
  return { module, ...zeroCounts(), ...c, latency, ii };
}

function lutLinearUnits(p: LutLinearPlan, t: Target): UnitEstimate[] {
  const { D, M, K, V } = p.dims;
  const { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E } = p.parallel;
  const B = p.input.bits;
  const W = p.ccs.distanceWidth;
  const iw = p.ccs.indexWidth;
  const A = p.accumulator.width;
  const ob = p.output.bits;
  const ii = p.timing.initiationInterval;
  const rom = p.ccs.centroidStorage === 'rom';
  const units: UnitEstimate[] = [];

  units.push(unit(p.modules.encoder, { LUT: E > 1 ? D * B : 8, FF: E > 1 ? D * B + 8 : Pc * V * B + 4 }, 1, ii));

  // Distances: l2 = norm − 2·Σ a·p (variable × variable with a centroid ROM, × constant otherwise);
  // l1/chebyshev = |a − p| (compare, subtract, select) summed or maxed. Then a K−1 node argmin tree.
  let distLuts: number;
  let distFfs = W;
  let dsp = 0;
  if (p.ccs.pipeline === 'max') {
    // Registered adder trees: one W-bit adder per pair of terms, about as many registers.
    const terms = p.metric === 'l2' ? (rom ? 1 + V * (B + 1) : 1 + (V * B) / 2) : V;
    distLuts = (terms - 1) * W + (p.metric === 'l2' ? 0 : V * 3 * W * 0.7);
    distFfs = Math.max(1, terms - 1) * W;
  } else if (p.metric === 'l2') {
    // a·p per coordinate: a DSP each where the flow maps multipliers (constant centroids: only
    // coordinates that are not 0 or a power of two stay multipliers), else logic.
    const mults = rom ? Pc * K * V : countNontrivial(p.ccs.centroids);
    if (t.dspMultipliers) {
      dsp = mults;
      distLuts = V * W * 0.6;
    } else distLuts = V * (rom ? mulLuts(B, B) : constMulLuts(B, B)) + V * W * 0.6;
  } else distLuts = V * 3 * W * 0.7 + (V - 1) * W;
  const treeLuts = (K - 1) * (W + iw + 1);
  const registeredNodes = p.ccs.treeRegisteredLevels.reduce((a, level) => a + Math.ceil(K / 2 ** level), 0);
  units.push(
    unit(p.modules.ccs, { DSP: dsp, LUT: Math.round(Pc * (K * distLuts + treeLuts)), FF: Math.round(Pc * (K * distFfs + registeredNodes * (W + iw)) + p.ccs.latency), CARRY: Math.round(Pc * K * V * W * (rom && p.metric === 'l2' ? 1.2 : 0.5)) }, p.ccs.latency, 1),
  );
  if (p.memory.centroids) {
    const c = p.memory.centroids;
    units.push(unit(p.modules.centroidRom, romLogic(c.width, c.depth), 1, 1));
  }
  const banks = p.timing.indexBanks;
  units.push(unit(p.modules.indexBuffer, { LUT: banks * E * Pc * iw + 12, FF: banks * E * Pc * iw + 2 * banks + 4 }, 1, 1));

  // Accumulator: P_m lanes, each adding P_c table entries and the accumulator (or bias). With
  // pipeline: max the table outputs are registered again and every adder-tree node is registered.
  const m = p.requant.multiplierBits;
  const S = p.timing.sumStages ?? 0;
  const sumTreeFfs = S > 0 ? Pc * Pm * p.table.bits + (Pc - 1) * Pm * A : 0;
  units.push(
    unit(p.modules.accumulator, { LUT: Pm * (Pc + 1) * A + 20, FF: Pm * A + 20 + sumTreeFfs, CARRY: Pm * Pc * A }, 3 + S, ii),
  );
  // Requantizer: multiplication by a constant (a DSP where the flow maps multipliers).
  const maxPipe = p.ccs.pipeline === 'max';
  const useDsp = t.dspMultipliers && !maxPipe && !isTrivialFactor(p.requant.multiplier);
  // pipeline: max multiplies by shift-and-add (no DSP): one adder per further set multiplier bit.
  const setBits = Math.max(1, p.requant.multiplier.toString(2).split('1').length - 1);
  const rqLuts = p.requant.roundedWidth + ob + (maxPipe ? (setBits - 1) * p.requant.roundedWidth : useDsp ? 0 : constMulLuts(A, m));
  units.push(unit(p.modules.requant, { DSP: useDsp ? Pm : 0, LUT: Pm * rqLuts, FF: Math.round(Pm * 0.6 * (p.requant.productWidth + ob)), CARRY: useDsp ? 0 : Pm * p.requant.roundedWidth }, p.timing.requantLatency, 1));
  const F = p.timing.outFifoDepth;
  units.push(unit(p.modules.outFifo, { LUT: M * ob * (F > 2 ? 1.5 : 1) + 10, FF: F * M * ob + 8 }, 1, 1));

  const tm = p.memory.table;
  if (tm.style === 'block') units.push(unit(p.modules.tableRom, { BRAM: tm.banks * bramCount(t.family, tm.width, tm.depth) }, 1, 1));
  else {
    const r = romLogic(tm.width, tm.depth);
    units.push(unit(p.modules.tableRom, { LUT: tm.banks * r.LUT, FF: tm.banks * r.FF }, 1, 1));
  }
  if (p.parallel.outputGroups > 1) units.push(unit(p.modules.biasRom, romLogic(p.memory.bias.width, p.memory.bias.depth), 1, 1));
  units.push(unit(p.modules.top, {}, p.timing.latency, ii));
  return units;
}

function macLinearUnits(p: MacLinearPlan, t: Target): UnitEstimate[] {
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

function layerUnits(layer: LayerPlan, t: Target): UnitEstimate[] {
  switch (layer.kind) {
    case 'lut_linear':
      return lutLinearUnits(layer, t);
    case 'mac_linear':
      return macLinearUnits(layer, t);
    default:
      return [];
  }
}

/** LUT6 families pack about 1.6 LUT4s of logic into one LUT (and carry logic is denser). */
const LUT_SCALE: Record<Target['family'], number> = { ice40: 1, ecp5: 1, gowin: 1, xilinx: 0.6 };

export function estimateDesign(design: DesignPlan, t: Target): Estimate {
  const units = design.layers.flatMap((l) => layerUnits(l, t));
  const total = zeroCounts();
  for (const u of units) {
    u.LUT = Math.round(u.LUT * LUT_SCALE[t.family]);
    u.FF = Math.round(u.FF);
    u.CARRY = Math.round(t.family === 'xilinx' ? u.CARRY / 4 : u.CARRY);
    for (const r of RESOURCES) total[r] += u[r];
  }
  return { target: t.name, units, total };
}
