/** Files of a mac_linear layer (the MAC-array baseline): top module, weight ROM, weight memory file. */
import type { DesignPlan, MacLinearPlan } from '../../plan/types.ts';
import { indexBits, signedBitsFor, signedMax, signedMin, unsignedBitsFor } from '../../numeric/fixed.ts';
import { headerLines } from '../header.ts';
import { baseContext, type GeneratedFile } from '../common/context.ts';
import { romModule, romWords } from '../common/memory.ts';
import { beatFifoFile } from '../common/beat-fifo.ts';
import { outFifoFiles } from '../common/out-fifo.ts';
import { requantFile, requantUnitOf } from '../common/requant.ts';
import { bankedPorts } from '../common/banked-input.ts';
import { renderTemplate } from '../render.ts';
import { lit, packHex, range, signExtend, slice } from '../verilog.ts';

function params(plan: MacLinearPlan): Record<string, string | number> {
  const p = plan.parallel;
  return {
    layer: plan.name,
    'D, M': `${plan.dims.D}, ${plan.dims.M}`,
    'inputs/cycle, outputs/cycle': `${p.inputsPerCycle}, ${p.outputsPerCycle}`,
    'weights': `INT${plan.weights.bits} (${plan.weights.source})`,
  };
}

/** Nested conditional selecting `values[i]` by `sel == i` (the last value is the default). */
function select(sel: string, selWidth: number, values: string[]): string {
  if (values.length === 1) return values[0];
  let expr = values[values.length - 1];
  for (let i = values.length - 2; i >= 0; i--) expr = `(${sel} == ${lit(i, selWidth)}) ? ${values[i]} : ${expr}`;
  return `(${expr})`;
}

function weightFile(design: DesignPlan, plan: MacLinearPlan): GeneratedFile {
  const { D, M } = plan.dims;
  const { inputsPerCycle: Pd, outputsPerCycle: Pm, inputSteps: S, outputGroups: G } = plan.parallel;
  const mem = plan.memory.weights;
  const lines: string[] = [];
  const lanes = new Int32Array(Pd * Pm);
  for (let g = 0; g < G; g++) {
    for (let s = 0; s < S; s++) {
      lanes.fill(0);
      for (let i = 0; i < Pd; i++) {
        const d = s * Pd + i;
        if (d >= D) continue;
        for (let l = 0; l < Pm; l++) {
          const m = g * Pm + l;
          if (m < M) lanes[i * Pm + l] = plan.weights.values[d * M + m];
        }
      }
      lines.push(packHex(lanes, plan.weights.bits, Pd * Pm));
    }
  }
  const zero = '0'.repeat(Math.ceil(mem.width / 4));
  while (lines.length < romWords(mem.depth)) lines.push(zero);
  const header = headerLines(design, `Weights of layer ${plan.name} (MAC baseline): ${mem.depth} words of ${Pd * Pm} x INT${plan.weights.bits}.`, '//');
  return { path: mem.file, content: `${header}\n${lines.join('\n')}\n` };
}


function topModule(design: DesignPlan, plan: MacLinearPlan): GeneratedFile {
  const { D, M } = plan.dims;
  const { inputsPerCycle: Pd, outputsPerCycle: Pm, inputSteps: S, outputGroups: G } = plan.parallel;
  const B = plan.input.bits;
  const wb = plan.weights.bits;
  const ob = plan.output.bits;
  const A = plan.accumulator.width;
  const PW = B + wb;
  const xMin = signedMin(B);
  const wMax = signedMax(wb);
  const SW = signedBitsFor(Pd * xMin * wMax, -Pd * xMin * wMax);
  const F = plan.timing.outFifoDepth;
  const sw = indexBits(S);
  const gw = indexBits(G);
  const mem = plan.memory.weights;

  const counters: { name: string; range: string; zero: string; advance: string }[] = [];
  if (S > 1) counters.push({ name: 'step', range: range(sw), zero: lit(0, sw), advance: `step_q <= last_step ? ${lit(0, sw)} : step_q + ${lit(1, sw)};` });
  if (G > 1) counters.push({ name: 'group', range: range(gw), zero: lit(0, gw), advance: `if (last_step) group_q <= group_q + ${lit(1, gw)};` });

  const xW = S * Pd * B;
  const sliceW = Pd * B;
  const sliceExpr = S === 1 ? 'x_q' : select('step_q', sw, Array.from({ length: S }, (_, s) => slice('x_q', s * sliceW, sliceW)));

  const productDecls: string[] = [];
  const productAssigns: string[] = [];
  for (let i = 0; i < Pd; i++) {
    const lsb = i * B;
    productDecls.push(`wire signed ${range(PW)} x${i} = ${signExtend(slice('xs_q', lsb, B), `xs_q[${lsb + B - 1}]`, B, PW)};`);
  }
  for (let i = 0; i < Pd; i++) {
    for (let l = 0; l < Pm; l++) {
      const lsb = (i * Pm + l) * wb;
      productDecls.push(`wire signed ${range(PW)} w${i}_${l} = ${signExtend(slice('w_q', lsb, wb), `w_q[${lsb + wb - 1}]`, wb, PW)};`);
      productDecls.push(`reg  signed ${range(PW)} p${i}_${l}_q;`);
      productAssigns.push(`p${i}_${l}_q <= x${i} * w${i}_${l};`);
    }
  }
  const sumDecls: string[] = [];
  const sumAssigns: string[] = [];
  const accDecls: string[] = [];
  const accAssigns: string[] = [];
  for (let l = 0; l < Pm; l++) {
    sumDecls.push(`reg  signed ${range(SW)} s${l}_q;`);
    const terms = Array.from({ length: Pd }, (_, i) => signExtend(`p${i}_${l}_q`, `p${i}_${l}_q[${PW - 1}]`, PW, SW));
    sumAssigns.push(`s${l}_q <= ${terms.join(' + ')};`);
    const biasValues = Array.from({ length: G }, (_, g) => lit(g * Pm + l < M ? plan.bias.values[g * Pm + l] : 0, A, true));
    accDecls.push(`wire signed ${range(A)} bias${l} = ${select('c3_group_q', gw, biasValues)};`);
    accDecls.push(`reg  signed ${range(A)} acc${l}_q;`);
    accAssigns.push(`acc${l}_q <= (c3_first_q ? bias${l} : acc${l}_q) + ${signExtend(`s${l}_q`, `s${l}_q[${SW - 1}]`, SW, A)};`);
  }

  const assemblyDecls: string[] = [];
  const assemblyAssigns: string[] = [];
  const beat = plan.beatOutput;
  // One group's requantized lanes, lane 0 at the LSB.
  const groupLanes = Array.from({ length: Pm }, (_, l) => `y${l}_q`).reverse().join(', ');
  if (beat) {
    // Every group goes to the beat FIFO as it completes (no whole-vector assembly).
    assemblyDecls.push(`wire ${range(Pm * ob)} push_data = {${groupLanes}};`);
    assemblyDecls.push(G > 1 ? 'wire unused_final = ^{c6_final_q, c6_group_q};' : 'wire unused_final = c6_final_q;');
  } else {
    // Earlier groups wait in part registers; the vector is pushed with the last group.
    for (let g = 0; g < G - 1; g++) {
      assemblyDecls.push(`reg  ${range(Pm * ob)} part${g}_q;`);
      assemblyAssigns.push(`if (c6_done_q && c6_group_q == ${lit(g, gw)}) part${g}_q <= {${groupLanes}};`);
    }
    const sources: string[] = [];
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Pm);
      const l = m % Pm;
      sources.push(g === G - 1 ? `y${l}_q` : slice(`part${g}_q`, l * ob, ob));
    }
    assemblyDecls.push(`wire ${range(M * ob)} push_data = {${sources.slice().reverse().join(', ')}};`);
    const lastLanes = M - (G - 1) * Pm;
    if (lastLanes < Pm) {
      const unused = Array.from({ length: Pm - lastLanes }, (_, k) => `y${lastLanes + k}_q`);
      assemblyDecls.push(`wire unused_lanes = ^{${unused.join(', ')}};`);
    }
  }
  const creditW = unsignedBitsFor(F);

  const ctx = {
    ...baseContext(design, plan.modules.top, 'MAC-array baseline (dense INT8)', {
      ...params(plan),
      'accumulator bits': A,
      'initiation interval': plan.timing.initiationInterval,
      latency: plan.timing.latency,
      'output FIFO depth': F,
    }),
    Pd,
    Pm,
    S,
    G,
    ii: plan.timing.initiationInterval,
    inRange: range(D * B),
    banked: bankedPorts(plan),
    outRange: range(beat ? beat.elementsPerBeat * ob : M * ob),
    beatOutput: beat !== undefined,
    addrRange: range(mem.addressWidth),
    addrZeroLit: lit(0, mem.addressWidth),
    addrOneLit: lit(1, mem.addressWidth),
    counters,
    creditRange: range(creditW),
    creditZeroLit: lit(0, creditW),
    creditOneLit: lit(1, creditW),
    fifoDepthLit: lit(F, creditW),
    lastStepExpr: S > 1 ? `(step_q == ${lit(S - 1, sw)})` : "1'b1",
    lastGroupExpr: G > 1 ? `(group_q == ${lit(G - 1, gw)})` : "1'b1",
    firstExpr: S > 1 ? `(step_q == ${lit(0, sw)})` : "1'b1",
    xRange: range(xW),
    xLoadExpr: xW > D * B ? `{${lit(0, xW - D * B)}, hold_q}` : 'hold_q',
    wordRange: range(mem.width),
    romModule: plan.modules.weightRom,
    romFile: mem.file,
    multiGroup: G > 1,
    groupRange: range(gw),
    sliceRange: range(sliceW),
    sliceExpr,
    productDecls,
    productAssigns,
    sumDecls,
    sumAssigns,
    accDecls,
    accAssigns,
    assemblyDecls,
    assemblyAssigns,
    fifoDepth: F,
    relu: plan.activation === 'relu',
    lanes: Array.from({ length: Pm }, (_, l) => l),
    outLaneRange: range(ob),
    requantModule: plan.modules.requant,
    outFifoModule: plan.modules.outFifo,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('mac_top.v.hbs', ctx) };
}

export function macLinearFiles(design: DesignPlan, plan: MacLinearPlan): GeneratedFile[] {
  const w = plan.memory.weights;
  const rom = { module: plan.modules.weightRom, style: w.style, width: w.width, depth: w.depth, addressWidth: w.addressWidth, file: w.file, purpose: 'MAC baseline weight ROM' };
  // The lut_linear layer's requantizer and output FIFO, so that `lutnn compare` measures the
  // arithmetic difference only (same rounding, saturation, FIFO storage and slicing).
  const requant = requantFile(design, requantUnitOf(plan, params(plan)));
  const fifo = plan.beatOutput
    ? [beatFifoFile(design, plan.modules.outFifo, plan.beatOutput, params(plan), { groupLanes: plan.parallel.outputsPerCycle, bits: plan.output.bits, pushInterval: plan.parallel.inputSteps, groups: plan.parallel.outputGroups, depth: plan.timing.outFifoDepth })]
    : outFifoFiles(design, plan.modules.outFifo, params(plan), plan.timing.outFifoDepth, plan.dims.M * plan.output.bits);
  return [topModule(design, plan), requant, ...fifo, romModule(design, rom, params(plan)), weightFile(design, plan)];
}
