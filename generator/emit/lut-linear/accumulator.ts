/** Emitter for the accumulator array (table reads, accumulation, requantization, output assembly). */
import { indexBits } from '../../numeric/fixed.ts';
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { bankedPorts } from '../common/banked-input.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, signExtend, slice, zeroExtend } from '../verilog.ts';
import { baseContext, counterFields, countWidth, type GeneratedFile } from '../common/context.ts';
import { reduceAtWidth } from '../common/reduction-tree.ts';
import { loadDataSlice, loadPortFields, regionWrite } from '../common/load-port.ts';
import { accumulatorRegions, encoderRegions, layerParams, registeredReady } from './common.ts';
import { hasBiasMemory } from '../../plan/lut-linear.ts';

/** Table address of lane j: block·K + idx, as a concatenation when K is a power of two. */
function addressing(plan: LutLinearPlan) {
  const { K } = plan.dims;
  const blocks = plan.parallel.encodeSteps * plan.parallel.outputGroups;
  const aw = plan.memory.table.addressWidth;
  const iw = plan.encoder.indexWidth;
  const pow2 = (K & (K - 1)) === 0;
  const idx = (j: number) => slice('idx_i', j * iw, iw);
  if (blocks === 1) return { hasBlockCounter: false, blockWidth: 1, blockStep: 0, addr: (j: number) => zeroExtend(idx(j), iw, aw) };
  if (pow2) return { hasBlockCounter: true, blockWidth: indexBits(blocks), blockStep: 1, addr: (j: number) => `{block_q, ${idx(j)}}` };
  return { hasBlockCounter: true, blockWidth: aw, blockStep: K, addr: (j: number) => `block_q + ${zeroExtend(idx(j), iw, aw)}` };
}

export function accumulatorModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const { M } = plan.dims;
  const { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E, outputGroups: G } = plan.parallel;
  const tb = plan.table.bits;
  const accW = plan.accumulator.width;
  const bw = plan.bias.width;
  const ob = plan.output.bits;
  const rqStages = plan.timing.requantLatency + 1; // acc register stage + requantizer stages
  const a = addressing(plan);
  const creditW = countWidth(plan.timing.outFifoDepth);

  // table_storage: ram — regions 0 … P_c−1 of the layer are the table banks, region P_c the bias (plan/load-map.ts).
  const write = (r: number) => (design.load && plan.load ? regionWrite(design.load, plan.load[r]) : false);
  const banks = Array.from({ length: Pc }, (_, j) => ({ index: j, file: `${plan.memory.table.fileStem}${j}.memh`, addrExpr: a.addr(j), write: write(j) }));
  // pipeline: max — S registered stages between the table ROMs and the accumulators: the ROM
  // outputs registered again (a block RAM's clock-to-output leaves no time for an adder), then the
  // P_c table entries of a lane summed in a registered adder tree of S − 1 levels.
  const S = plan.timing.sumStages ?? 0;
  const tree = { regs: [] as string[], assigns: [] as string[], final: '' };
  const tableSrc = (j: number) => (S > 0 ? `table${j}_r` : `table${j}_q`);
  const biasSrc = S > 0 && G > 1 ? `bias_s${S}_q` : 'bias_q';
  const accLanes = Array.from({ length: Pm }, (_, l) => {
    const terms = banks.map((b) => {
      const lsb = l * tb;
      return signExtend(slice(tableSrc(b.index), lsb, tb), `${tableSrc(b.index)}[${lsb + tb - 1}]`, tb, accW);
    });
    const blsb = l * bw;
    return {
      index: l,
      sumExpr: S > 0 ? reduceAtWidth(`sum${l}`, terms, S, accW, (x, y) => `${x} + ${y}`, tree) : terms.join(' + '),
      biasExpr: signExtend(slice(biasSrc, blsb, bw), `${biasSrc}[${blsb + bw - 1}]`, bw, accW),
    };
  });
  const ctl = S > 0 ? `p${1 + S}` : 'p1';
  const sumTreeDecls: string[] = [];
  const sumTreeAssigns: string[] = [];
  const sumValidResets: string[] = [];
  const sumValidAssigns: string[] = [];
  if (S > 0) {
    for (const b of banks) {
      sumTreeDecls.push(`reg  ${range(plan.memory.table.width)} ${tableSrc(b.index)};`);
      sumTreeAssigns.push(`${tableSrc(b.index)} <= table${b.index}_q;`);
    }
    for (const r of tree.regs) sumTreeDecls.push(`reg  signed ${range(accW)} ${r};`);
    sumTreeAssigns.push(...tree.assigns);
    for (let k = 2; k <= 1 + S; k++) {
      sumTreeDecls.push(`reg p${k}_valid_q;`, `reg p${k}_first_q;`, `reg p${k}_last_q;`, `reg p${k}_final_q;`);
      sumValidResets.push(`p${k}_valid_q <= 1'b0;`);
      sumValidAssigns.push(`p${k}_valid_q <= p${k - 1}_valid_q;`);
      sumTreeAssigns.push(`p${k}_first_q <= p${k - 1}_first_q;`, `p${k}_last_q  <= p${k - 1}_last_q;`, `p${k}_final_q <= p${k - 1}_final_q;`);
      if (G > 1) {
        sumTreeDecls.push(`reg  ${range(Pm * bw)} bias_s${k - 1}_q;`);
        sumTreeAssigns.push(`bias_s${k - 1}_q <= ${k === 2 ? 'bias_q' : `bias_s${k - 2}_q`};`);
      }
    }
  }
  const biasLanes = Array.from({ length: Pm }, (_, l) => (l < M ? plan.bias.values[l] : 0));
  const groupBits = Pm * ob;
  const outWidth = M * ob;
  const fullBits = G * groupBits;
  const ctx = {
    ...baseContext(design, plan.modules.accumulator, 'accumulator array', {
      ...layerParams(plan),
      'table bits': tb,
      'accumulator bits': accW,
      'initiation interval': plan.timing.initiationInterval,
      'output FIFO depth': plan.timing.outFifoDepth,
    }),
    groups: G,
    lanes: Pm,
    codebookLanes: Pc,
    steps: E,
    accWidth: accW,
    ii: plan.timing.initiationInterval,
    multiStep: E > 1,
    multiGroup: G > 1,
    // pipeline: max: last step, last group and last read as flops loaded a cycle ahead.
    registeredReady: registeredReady(plan),
    registeredLastRead: registeredReady(plan) && E > 1,
    ...counterFields('step', E),
    ...counterFields('group', G),
    hasBlockCounter: a.hasBlockCounter,
    blockRange: range(a.blockWidth),
    blockZeroLit: lit(0, a.blockWidth),
    blockStepLit: lit(a.blockStep, a.blockWidth),
    creditRange: range(creditW),
    creditZeroLit: lit(0, creditW),
    creditOneLit: lit(1, creditW),
    fifoDepth: plan.timing.outFifoDepth,
    creditLastLit: lit(plan.timing.outFifoDepth - 1, creditW),
    idxRange: range(Pc * plan.encoder.indexWidth),
    outRange: range(outWidth),
    beatOutput: plan.beatOutput !== undefined,
    pushRange: range(plan.beatOutput ? groupBits : outWidth),
    tableRange: range(plan.memory.table.width),
    tableRomModule: plan.modules.tableRom,
    banks,
    biasRange: range(Pm * bw),
    biasRom: hasBiasMemory(plan) ? { module: plan.modules.biasRom, file: plan.memory.bias.file, addrExpr: G > 1 ? 'group_q' : "1'b0", write: write(Pc) } : false,
    ...loadPortFields(design.load, accumulatorRegions(plan)),
    biasConstExpr: `{${biasLanes.map((b) => lit(b < 0 ? b + 2 ** bw : b, bw)).reverse().join(', ')}}`,
    accRange: range(accW),
    accLanes,
    lastStage: 1 + rqStages,
    requantLatency: plan.timing.requantLatency,
    validPipeRange: `[${rqStages - 1}:0]`,
    validPipeZeroLit: lit(0, rqStages),
    validPipeMsb: rqStages - 1,
    registeredPush: (plan.timing.outFifoInputStages ?? 0) > 0,
    pushSourceBit: rqStages - 2,
    rqValidShiftExpr: `{${slice('rq_valid_q', 0, rqStages - 1)}, ${ctl}_valid_q & ${ctl}_last_q}`,
    rqFinalShiftExpr: `{${slice('rq_final_q', 0, rqStages - 1)}, ${ctl}_final_q}`,
    accValid: `${ctl}_valid_q`,
    accFirst: `${ctl}_first_q`,
    hasSumTree: S > 0,
    sumStages: S,
    sumTreeDecls,
    sumTreeAssigns,
    sumValidResets,
    sumValidAssigns,
    outLaneRange: range(ob),
    requantModule: plan.modules.requant,
    groupResultRange: range(groupBits),
    groupResultExpr: Pm === 1 ? 'result0' : `{${accLanes.map((l) => `result${l.index}`).reverse().join(', ')}}`,
    assemblyRange: range((G - 1) * groupBits),
    assemblyShiftExpr: G > 2 ? `{group_result, ${slice('assembly_q', groupBits, (G - 2) * groupBits)}}` : 'group_result',
    fullRange: range(fullBits),
    hasPadLanes: fullBits > outWidth,
    fullMsb: fullBits - 1,
    outWidth,
    outMsb: outWidth - 1,
    outFifoModule: plan.modules.outFifo,
  };
  return { path: `${plan.modules.accumulator}.v`, content: renderTemplate('accumulator.v.hbs', ctx) };
}

export function layerTopModule(design: DesignPlan, plan: LutLinearPlan): GeneratedFile {
  const { D, M } = plan.dims;
  const ctx = {
    ...baseContext(design, plan.modules.top, 'lut_linear layer top', {
      ...layerParams(plan),
      latency: plan.timing.latency,
      'initiation interval': plan.timing.initiationInterval,
      'input / output': `INT${plan.input.bits} (scale ${plan.input.scale}) / INT${plan.output.bits} (scale ${plan.output.scale})`,
    }),
    D,
    M,
    inBits: plan.input.bits,
    outBits: plan.output.bits,
    latency: plan.timing.latency,
    ii: plan.timing.initiationInterval,
    inRange: range(D * plan.input.bits),
    banked: bankedPorts(plan),
    outRange: range(plan.beatOutput ? plan.beatOutput.elementsPerBeat * plan.output.bits : M * plan.output.bits),
    pushRange: range(plan.beatOutput ? plan.parallel.outputsPerCycle * plan.output.bits : M * plan.output.bits),
    beatOutput: plan.beatOutput !== undefined,
    outBeats: plan.beatOutput?.beats ?? 1,
    outPerBeat: plan.beatOutput?.elementsPerBeat ?? M,
    idxRange: range(plan.parallel.codebooksPerCycle * plan.encoder.indexWidth),
    modules: plan.modules,
    registeredReady: registeredReady(plan),
    ...loadPortFields(design.load, plan.load),
    // The accumulator and the encoder each take the load data bits of their own memories.
    accLoadData: plan.load ? loadDataSlice(plan.load, accumulatorRegions(plan)!) : '',
    encoderLoad: plan.load && plan.encoder.stepRom?.writable ? { data: loadDataSlice(plan.load, encoderRegions(plan)!) } : false,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('layer_top.v.hbs', ctx) };
}
