/** Analytic estimate of a lut_conv2d layer: the window generator (shared with maxpool2d) and its patch core (estimate-lut-linear.ts). */
import type { ConvWindowPlan, LutConv2dPlan } from '../plan/types.ts';
import { indexBits } from '../numeric/fixed.ts';
import { estimateLutLinear } from './estimate-lut-linear.ts';
import { bramCount, unit, type UnitEstimate } from './estimate-units.ts';
import type { Target } from './targets.ts';

/** The window generator (templates/conv/window.v.hbs) of a windowed layer. */
export function windowEstimate(module: string, w: ConvWindowPlan, bits: number, t: Target): UnitEstimate {
  const [kh, kw] = w.kernel;
  const patchBits = w.inChannels * kh * kw * bits;
  const counters = indexBits(w.paddedHeight) + indexBits(w.paddedWidth) + indexBits(Math.max(2, w.patchInterval));
  // Flops: line buffers (written at the scan column through clock enables), window, patch register.
  // LUTs: each line-buffer row is read at the scan column, a Wp:1 multiplexer per bit (about
  // Wp / 2 LUT4 each), and the column decode of the write enables.
  const readMux = (kh - 1) * w.pixelBits * Math.max(0, w.paddedWidth - 1) * 0.5;
  if (w.lineStorage.storage === 'block') {
    // One block RAM (or a few, for a wide pixel) per row, its read register inside; the column counters' next-state logic.
    const bram = (kh - 1) * bramCount(t.family, w.pixelBits, w.paddedWidth);
    const logic = { LUT: counters * 4 + 16, FF: w.windowBits + patchBits + counters + 2 };
    return unit(module, bram > 0 ? { ...logic, BRAM: bram } : { LUT: logic.LUT + Math.ceil(readMux), FF: logic.FF + w.lineBufferBits + (kh - 1) * w.pixelBits }, 1, w.patchInterval);
  }
  return unit(
    module,
    { LUT: Math.ceil(readMux) + (kh - 1) * w.paddedWidth + counters * 3 + 16, FF: w.lineBufferBits + w.windowBits + patchBits + counters + 2 },
    1,
    w.patchInterval,
  );
}

/**
 * The pixel FIFO in front of a scan, when it has one (templates/conv/pixel_fifo.v.hbs): its slots
 * in flops (counted as such; a target with LUT RAM may put them there), a depth:1 read multiplexer
 * per bit (about depth / 2 LUT4), the pass-through multiplexer, pointers and count.
 */
export function windowFifoEstimates(w: ConvWindowPlan): UnitEstimate[] {
  const f = w.inputFifo;
  if (!f) return [];
  const pointers = 2 * indexBits(f.depth) + indexBits(f.depth + 1);
  return [unit(f.module, { LUT: Math.ceil(w.pixelBits * (Math.max(0, f.depth - 1) * 0.5 + 1)) + pointers * 2 + 4, FF: f.depth * w.pixelBits + pointers }, 0, 1)];
}

export function estimateLutConv2d(p: LutConv2dPlan, t: Target): UnitEstimate[] {
  return [...windowFifoEstimates(p.window), windowEstimate(p.modules.window, p.window, p.input.bits, t), ...estimateLutLinear(p.core, t)];
}
