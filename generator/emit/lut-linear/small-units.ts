/** Emitters for the requantizer, the output FIFO and the index buffer of a lut_linear layer. */
import { indexBits } from '../../numeric/fixed.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, slice } from '../verilog.ts';
import { baseContext, counterFields, type GeneratedFile } from '../common/context.ts';
import { beatFifoFile } from '../common/beat-fifo.ts';
import { outFifoFiles } from '../common/out-fifo.ts';
import { requantFile, requantUnitOf } from '../common/requant.ts';
import { indexGroupBits, layerParams, registeredReady } from './common.ts';

export function requantModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  return requantFile(design, requantUnitOf(plan, layerParams(plan)));
}

export function outFifoModules(design: DesignPlan, plan: LutLinearPlan): GeneratedFile[] {
  if (plan.beatOutput) return [beatFifoModule(design, plan)];
  return outFifoFiles(design, plan.modules.outFifo, layerParams(plan), plan.timing.outFifoDepth, plan.dims.M * plan.output.bits, (plan.timing.outFifoInputStages ?? 0) > 0);
}

export function indexBufferModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const n = plan.timing.indexBanks;
  const E = plan.parallel.encodeSteps;
  const gb = indexGroupBits(plan);
  const bankBits = gb * E;
  const pw = indexBits(n);
  const banks = Array.from({ length: n }, (_, index) => ({
    index,
    ptrLit: lit(index, pw),
    shiftIn: E === 1 ? 'wr_idx_i' : `{wr_idx_i, ${slice(`bank${index}_q`, gb, bankBits - gb)}}`,
    rotate: E === 1 ? `bank${index}_q` : `{${slice(`bank${index}_q`, 0, gb)}, ${slice(`bank${index}_q`, gb, bankBits - gb)}}`,
    bottom: slice(`bank${index}_q`, 0, gb),
  }));
  const mem = plan.memory.index;
  const block = mem.storage === 'block';
  const ctx = {
    ...baseContext(design, plan.modules.indexBuffer, 'index buffer', { ...layerParams(plan), banks: n, 'bits per bank': bankBits, storage: mem.storage }),
    block,
    rdPtrAhead: block || registeredReady(plan),
    addrRange: range(mem.addressWidth),
    lastAddress: mem.depth - 1,
    bankCount: n,
    steps: E,
    groupBits: gb,
    multiStep: E > 1,
    registeredReady: registeredReady(plan),
    groupRange: range(gb),
    bankRange: range(bankBits),
    bankFlagRange: `[${n - 1}:0]`,
    bankFlagZeroLit: lit(0, n),
    groupZeroLit: lit(0, gb),
    ...counterFields('ptr', n),
    ...counterFields('step', E),
    banks,
  };
  return { path: `${plan.modules.indexBuffer}.v`, content: renderTemplate('index_buffer.v.hbs', ctx) };
}

/** The beat FIFO of a stream output (plan.beatOutput; templates/beat_fifo.v.hbs). */
export function beatFifoModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const { outputsPerCycle, outputGroups, encodeSteps } = plan.parallel;
  return beatFifoFile(design, plan.modules.outFifo, plan.beatOutput!, layerParams(plan), {
    groupLanes: outputsPerCycle,
    bits: plan.output.bits,
    pushInterval: encodeSteps,
    groups: outputGroups,
    depth: plan.timing.outFifoDepth,
  });
}
