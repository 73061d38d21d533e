/** The output FIFO of whole result vectors, shared by every layer kind. */
import type { DesignPlan } from '../../plan/types.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, slice, zeroExtend } from '../verilog.ts';
import { baseContext, counterFields, countWidth, type GeneratedFile, type HeaderParams } from './context.ts';

/** Widest output-FIFO slice: wider FIFOs are split into lockstep slices of at most this many bits. */
export const OUT_FIFO_SLICE_BITS = 16;

function fifoFile(design: DesignPlan, module: string, purpose: string, params: HeaderParams, depth: number, width: number, registeredInput: boolean): GeneratedFile {
  const cw = countWidth(depth);
  const ctx = {
    registeredInput,
    landed: registeredInput ? 'push_q' : 'push_i',
    ...baseContext(design, module, purpose, { ...params, depth, width }),
    dataRange: range(width),
    lastSlot: depth - 1,
    ...counterFields('ptr', depth),
    countRange: range(cw),
    countZeroLit: lit(0, cw),
    countOneLit: lit(1, cw),
  };
  return { path: `${module}.v`, content: renderTemplate('out_fifo.v.hbs', ctx) };
}

/**
 * The output FIFO of whole result vectors, shared by every layer kind (templates/out_fifo.v.hbs).
 * Up to OUT_FIFO_SLICE_BITS wide it is one module; wider, `module` instantiates lockstep slices
 * of one `<module>_slice` (templates/out_fifo_sliced.v.hbs), so that pointer fanout stays bounded.
 * `registeredInput` (plan timing `outFifoInputStages`): each FIFO (slice) registers the push and
 * its data first, so the vector lands a cycle later.
 */
export function outFifoFiles(design: DesignPlan, module: string, params: HeaderParams, depth: number, width: number, registeredInput = false): GeneratedFile[] {
  const slices = Math.ceil(width / OUT_FIFO_SLICE_BITS);
  if (slices <= 1) return [fifoFile(design, module, 'output FIFO of result vectors', params, depth, width, registeredInput)];
  const sliceWidth = Math.ceil(width / slices);
  const padded = slices * sliceWidth;
  const sliceModule = `${module}_slice`;
  const ctx = {
    ...baseContext(design, module, 'output FIFO of result vectors (lockstep slices)', { ...params, depth, width, slices }),
    width,
    slices,
    sliceWidth,
    sliceModule,
    dataRange: range(width),
    dataMsb: width - 1,
    paddedRange: range(padded),
    pushPaddedExpr: zeroExtend('push_data_i', width, padded),
    validRange: range(slices),
    // Valid flags of slices 1.. and the padding bits are not read.
    unusedExpr: `^{${[slice('slice_valid', 1, slices - 1), ...(padded > width ? [slice('out_padded', width, padded - width)] : [])].join(', ')}}`,
    instances: Array.from({ length: slices }, (_, index) => ({
      index,
      pushSlice: slice('push_padded', index * sliceWidth, sliceWidth),
      outSlice: slice('out_padded', index * sliceWidth, sliceWidth),
    })),
  };
  return [
    { path: `${module}.v`, content: renderTemplate('out_fifo_sliced.v.hbs', ctx) },
    fifoFile(design, sliceModule, `one ${sliceWidth}-bit slice of ${module}`, params, depth, sliceWidth, registeredInput),
  ];
}
