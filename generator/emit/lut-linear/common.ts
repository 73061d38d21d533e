/** Shared helpers for the lut_linear module emitters. */
import type { DesignPlan, LutLinearPlan } from '../../plan/types.ts';
import { indexBits, unsignedBitsFor } from '../../numeric/fixed.ts';
import { headerContext } from '../header.ts';
import { renderTemplate } from '../render.ts';
import { lit, range } from '../verilog.ts';

export interface GeneratedFile {
  /** File name inside the design folder. */
  path: string;
  content: string | Buffer;
}

/** Context fields every template reads: header and reset style. */
export function baseContext(design: DesignPlan, module: string, purpose: string, params: Record<string, string | number>) {
  return {
    name: module,
    asyncReset: design.reset === 'async',
    header: headerContext(design, module, purpose, params),
  };
}

/** Literals and range of a wrap-around counter over `count` values (0 … count−1). */
export function counterFields(prefix: string, count: number): Record<string, string> {
  const w = indexBits(count);
  return {
    [`${prefix}Range`]: range(w),
    [`${prefix}ZeroLit`]: lit(0, w),
    [`${prefix}OneLit`]: lit(1, w),
    [`${prefix}LastLit`]: lit(count - 1, w),
  };
}

/** Width of a counter that holds 0 … max inclusive. */
export function countWidth(max: number): number {
  return unsignedBitsFor(max);
}

/** Bits of one index group: P_c lanes of the index width. */
export function indexGroupBits(plan: LutLinearPlan): number {
  return plan.parallel.codebooksPerCycle * plan.ccs.indexWidth;
}

/** Standard header parameters of a layer, listed in every file's header. */
export function layerParams(plan: LutLinearPlan): Record<string, string | number> {
  const { D, M, C, K, V } = plan.dims;
  return {
    layer: plan.name,
    'D, M, C, K, V': `${D}, ${M}, ${C}, ${K}, ${V}`,
    metric: plan.metric,
    'codebooks/cycle, outputs/cycle': `${plan.parallel.codebooksPerCycle}, ${plan.parallel.outputsPerCycle}`,
  };
}

/** The output FIFO of whole result vectors, shared by every layer kind (templates/out_fifo.v.hbs). */
export function outFifoFile(design: DesignPlan, module: string, params: Record<string, string | number>, depth: number, width: number): GeneratedFile {
  const cw = countWidth(depth);
  const ctx = {
    ...baseContext(design, module, 'output FIFO of result vectors', { ...params, depth, width }),
    dataRange: range(width),
    lastSlot: depth - 1,
    ...counterFields('ptr', depth),
    countRange: range(cw),
    countZeroLit: lit(0, cw),
    countOneLit: lit(1, cw),
  };
  return { path: `${module}.v`, content: renderTemplate('out_fifo.v.hbs', ctx) };
}
