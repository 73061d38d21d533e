/** Emitters of an nnlut unit: top (control, lanes, assembly), lane datapath, output FIFO. */
import { indexBits, signedMax, signedMin, unsignedBitsFor } from '../../numeric/fixed.ts';
import type { DesignPlan, NnlutPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, signExtend, slice, zeroExtend } from '../verilog.ts';
import { baseContext, counterFields, countWidth, type GeneratedFile } from '../common/context.ts';
import { outFifoFiles } from '../common/out-fifo.ts';

function nnlutParams(plan: NnlutPlan): Record<string, string | number> {
  return {
    layer: plan.name,
    function: plan.function ?? 'table',
    'elements, segments': `${plan.dims.elements}, ${plan.dims.segments}`,
    'input, output': `INT${plan.input.bits} (scale ${plan.input.scale}), INT${plan.output.bits} (scale ${plan.output.scale})`,
    'range reduction': plan.rangeReduction,
    'lanes, pipeline stages': `${plan.parallel.lanes}, ${plan.pipeline.stages}`,
  };
}

/** `c0 ? v0 : c1 ? v1 : … : last` from the highest-priority condition down. */
function chain(cases: { cond: string; value: string }[], last: string): string {
  return cases.reduce((acc, c) => `${c.cond} ? ${c.value} : ${acc}`, last);
}

export function nnlutLaneModule(design: DesignPlan, plan: NnlutPlan): GeneratedFile {
  const t = plan.table;
  const bi = plan.input.bits;
  const bo = plan.output.bits;
  const N = plan.dims.segments;
  const segW = indexBits(N);
  const reduced = plan.rangeReduction !== 'none';
  const rsqrt = plan.rangeReduction === 'rsqrt';
  const mac = plan.datapath.macWidth;
  const wide = Math.max(plan.datapath.roundedWidth, mac, bo) + 1;
  const [dlo, dhi] = t.domain;

  const constants: { name: string; range: string; value: string }[] = [];
  const compares = Array.from(t.breakpoints, (b, j) => {
    if (b <= dlo) return { index: j, expr: "1'b1" }; // every operand is at or above it
    if (b > dhi) return { index: j, expr: "1'b0" }; // no operand reaches it
    constants.push({ name: `BP${j}`, range: range(bi), value: lit(b, bi, true) });
    return { index: j, expr: `(m_d >= BP${j})` };
  });
  // Thermometer code → index: the highest set comparator wins.
  const segExpr = chain(
    compares.map((_, j) => ({ cond: `ge[${j}]`, value: lit(j + 1, segW) })),
    lit(0, segW),
  );
  const sel = (values: Int32Array, prefix: string, w: number) => {
    values.forEach((v, i) => constants.push({ name: `${prefix}${i}`, range: range(w), value: lit(v, w, true) }));
    return chain(
      Array.from(values, (_, i) => ({ cond: `(seg_q == ${lit(i, segW)})`, value: `${prefix}${i}` })).slice(0, -1),
      `${prefix}${N - 1}`,
    );
  };
  const slopeExpr = sel(t.slopes, 'SLOPE', t.slopeWidth);
  const interceptExpr = sel(t.intercepts, 'INTERCEPT', t.interceptWidth);
  if (t.fracBits > 0) constants.push({ name: 'ROUND', range: range(wide), value: lit(2 ** (t.fracBits - 1), wide, true) });
  constants.push({ name: 'OUT_MAX', range: range(wide), value: lit(signedMax(bo), wide, true) });
  constants.push({ name: 'OUT_MIN', range: range(wide), value: lit(signedMin(bo), wide, true) });

  // Leading zeros of x[bi−2:0] for x > 0 (x = 0 gives bi − 1; it is outside the domain anyway).
  const lzW = unsignedBitsFor(bi - 1);
  const lzExpr = chain(
    Array.from({ length: bi - 1 }, (_, z) => ({ cond: `x_i[${bi - 2 - z}]`, value: lit(z, lzW) })).reverse(),
    lit(bi - 1, lzW),
  );
  const kW = rsqrt ? lzW - 1 : lzW;
  const ctx = {
    ...baseContext(design, plan.modules.lane, 'NN-LUT lane (one element per cycle)', {
      ...nnlutParams(plan),
      'slope, intercept bits; F': `${t.slopeWidth}, ${t.interceptWidth}; ${t.fracBits}`,
      'accumulator range': `[${plan.datapath.accRange[0]}, ${plan.datapath.accRange[1]}] (${plan.datapath.accWidth} bits)`,
    }),
    segments: N,
    comparators: N - 1,
    macWidth: mac,
    fracBits: t.fracBits,
    outBits: bo,
    stages: plan.pipeline.stages,
    inRange: range(bi),
    outRange: range(bo),
    inMsb: bi - 1,
    inMsbMinus1: bi - 2,
    inZeroLit: lit(0, bi, true),
    constants,
    reduced,
    rsqrt,
    lzRange: range(lzW),
    lzExpr,
    evenExpr: rsqrt ? `{lz[${lzW - 1}:1], 1'b0}` : 'lz',
    kRange: range(kW),
    kExpr: rsqrt ? slice('lz', 1, lzW - 1) : 'lz',
    geRange: range(N - 1),
    compares,
    segRange: range(segW),
    segExpr,
    afterCompare: plan.pipeline.afterCompare,
    afterSelect: plan.pipeline.afterSelect,
    afterMultiply: plan.pipeline.afterMultiply,
    slopeRange: range(t.slopeWidth),
    interceptRange: range(t.interceptWidth),
    slopeExpr,
    interceptExpr,
    macRange: range(mac),
    slopeExtend: signExtend('slope_q', `slope_q[${t.slopeWidth - 1}]`, t.slopeWidth, mac),
    interceptExtend: signExtend('intercept_q', `intercept_q[${t.interceptWidth - 1}]`, t.interceptWidth, mac),
    mExtend: signExtend('m_s', `m_s[${bi - 1}]`, bi, mac),
    wideRange: range(wide),
    wideMsb: wide - 1,
    outMsb: bo - 1,
    accExtend: signExtend('acc_q', `acc_q[${mac - 1}]`, mac, wide),
    hasRounding: t.fracBits > 0,
  };
  return { path: `${plan.modules.lane}.v`, content: renderTemplate('nnlut/lane.v.hbs', ctx) };
}

export function nnlutTopModule(design: DesignPlan, plan: NnlutPlan): GeneratedFile {
  const E = plan.dims.elements;
  const { lanes: L, steps: S } = plan.parallel;
  const bi = plan.input.bits;
  const bo = plan.output.bits;
  const P = plan.pipeline.stages;
  const depth = plan.timing.outFifoDepth;
  const cw = countWidth(depth);
  const vecW = S * L * bi;
  const groupIn = L * bi;
  const groupOut = L * bo;
  const fullW = S * groupOut;
  const ctx = {
    ...baseContext(design, plan.modules.top, 'NN-LUT unit top', {
      ...nnlutParams(plan),
      latency: plan.timing.latency,
      'initiation interval': plan.timing.initiationInterval,
      'output FIFO depth': depth,
    }),
    E,
    inBits: bi,
    outBits: bo,
    lanes: L,
    steps: S,
    latency: plan.timing.latency,
    ii: plan.timing.initiationInterval,
    inRange: range(E * bi),
    outRange: range(E * bo),
    multiStep: S > 1,
    ...counterFields('step', S),
    creditRange: range(cw),
    creditZeroLit: lit(0, cw),
    creditOneLit: lit(1, cw),
    depthLit: lit(depth, cw),
    vecRange: range(vecW),
    captureExpr: zeroExtend('in_data_i', E * bi, vecW),
    shiftExpr: S > 1 ? zeroExtend(slice('vec_q', groupIn, vecW - groupIn), vecW - groupIn, vecW) : 'vec_q',
    laneModule: plan.modules.lane,
    laneOutRange: range(groupOut),
    laneInstances: Array.from({ length: L }, (_, l) => ({ index: l, x: slice('vec_q', l * bi, bi), y: slice('lane_y', l * bo, bo) })),
    pipeStages: P,
    pipeRange: range(P),
    pipeMsb: P - 1,
    pipeZeroLit: lit(0, P),
    validShift: P === 1 ? 'busy_q' : `{${slice('valid_pipe_q', 0, P - 1)}, busy_q}`,
    lastShift: P === 1 ? 'last_step' : `{${slice('last_pipe_q', 0, P - 1)}, last_step}`,
    asmRange: range(Math.max(1, (S - 1) * groupOut)),
    asmShift: S === 2 ? 'lane_y' : `{lane_y, ${slice('asm_q', groupOut, (S - 2) * groupOut)}}`,
    fullRange: range(fullW),
    fullMsb: fullW - 1,
    padded: fullW > E * bo,
    outWidth: E * bo,
    outMsb: E * bo - 1,
    outFifoModule: plan.modules.outFifo,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('nnlut/top.v.hbs', ctx) };
}

export function nnlutOutFifoModules(design: DesignPlan, plan: NnlutPlan): GeneratedFile[] {
  return outFifoFiles(design, plan.modules.outFifo, nnlutParams(plan), plan.timing.outFifoDepth, plan.dims.elements * plan.output.bits);
}

/** Every file of an nnlut unit (constants only: no memory files). */
export function nnlutFiles(design: DesignPlan, plan: NnlutPlan): GeneratedFile[] {
  return [nnlutTopModule(design, plan), nnlutLaneModule(design, plan), ...nnlutOutFifoModules(design, plan)];
}
