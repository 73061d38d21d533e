/** Analytic estimate of a lut_linear layer: encoder shell, encoder (its own estimate), step ROM, index buffer, accumulator, requantizers, FIFO, ROMs. */
import { bankedInput } from '../plan/stream.ts';
import { encoderOf } from '../encoders/registry.ts';
import { hasBiasMemory } from '../plan/lut-linear.ts';
import type { LutLinearPlan } from '../plan/types.ts';
import { beatFifoEstimate, bramCount, outFifoEstimate, requantEstimate, romLogic, unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';

export function estimateLutLinear(p: LutLinearPlan, t: Target): UnitEstimate[] {
  const { D, M, V } = p.dims;
  const { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E } = p.parallel;
  const B = p.input.bits;
  const iw = p.encoder.indexWidth;
  const A = p.accumulator.width;
  const ob = p.output.bits;
  const ii = p.timing.initiationInterval;
  const units: UnitEstimate[] = [];

  // The capture register shifts a step per cycle; behind a banked stream buffer there is none.
  const capture = bankedInput(p) ? { LUT: 8, FF: 8 } : { LUT: E > 1 ? D * B : 8, FF: E > 1 ? D * B + 8 : Pc * V * B + 4 };
  units.push(unit(p.modules.encoder, capture, 1, ii));
  units.push(...encoderOf(p.encoder).estimate(p, p.encoder, t));
  const stepRom = p.encoder.stepRom;
  // A step ROM in block RAM; a writable one in logic is flops with a read multiplexer.
  if (stepRom) {
    const bram = stepRom.style === 'block' ? bramCount(t.family, stepRom.width, stepRom.depth) : 0;
    const logic = stepRom.writable ? { LUT: stepRom.width * stepRom.depth * 0.5, FF: stepRom.width * (stepRom.depth + 1) } : romLogic(stepRom.width, stepRom.depth);
    units.push(unit(stepRom.module, bram > 0 ? { BRAM: bram } : logic, 1, 1));
  }
  const banks = p.timing.indexBanks;
  const ix = p.memory.index;
  // Registers: a flop and a shift/rotate multiplexer per bit. Block: the RAM, its address
  // multiplexers, the read step counter and the read register (which the RAM absorbs on most families).
  // Without block RAM (an ASIC) the memory is flops and a read multiplexer.
  const ixBram = ix.storage === 'block' ? bramCount(t.family, ix.width, ix.depth) : 0;
  const ixBits = ix.width * ix.depth;
  units.push(
    unit(
      p.modules.indexBuffer,
      ix.storage === 'registers'
        ? { LUT: banks * E * Pc * iw + 12, FF: banks * E * Pc * iw + 2 * banks + 4 }
        : ixBram > 0
          ? { LUT: 2 * ix.addressWidth + 16, FF: 2 * banks + ix.stepBits + 8, BRAM: ixBram }
          : { LUT: 2 * ix.addressWidth + 16 + ixBits, FF: 2 * banks + ix.stepBits + 8 + ixBits + ix.width },
      1,
      1,
    ),
  );

  // Accumulator: P_m lanes, each adding P_c table entries and the accumulator (or bias). With
  // pipeline: max the table outputs are registered again and every adder-tree node is registered.
  const S = p.timing.sumStages ?? 0;
  const sumTreeFfs = S > 0 ? Pc * Pm * p.table.bits + (Pc - 1) * Pm * A : 0;
  units.push(
    unit(p.modules.accumulator, { LUT: Pm * (Pc + 1) * A + 20, FF: Pm * A + 20 + sumTreeFfs, CARRY: Pm * Pc * A }, 3 + S, ii),
  );
  units.push(requantEstimate(p.modules.requant, p.requant, A, ob, Pm, t, p.pipeline === 'max', p.timing.requantLatency));
  units.push(p.beatOutput ? beatFifoEstimate(p.modules.outFifo, p.beatOutput, Pm, ob, t) : outFifoEstimate(p.modules.outFifo, p.timing.outFifoDepth, M * ob));

  const tm = p.memory.table;
  if (tm.style === 'block') units.push(unit(p.modules.tableRom, { BRAM: tm.banks * bramCount(t.family, tm.width, tm.depth) }, 1, 1));
  else {
    const r = romLogic(tm.width, tm.depth);
    units.push(unit(p.modules.tableRom, { LUT: tm.banks * r.LUT, FF: tm.banks * r.FF }, 1, 1));
  }
  if (hasBiasMemory(p)) units.push(unit(p.modules.biasRom, romLogic(p.memory.bias.width, p.memory.bias.depth), 1, 1));
  units.push(unit(p.modules.top, {}, p.timing.latency, ii));
  return units;
}
