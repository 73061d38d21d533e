/**
 * Bit-exact golden model of a planned lut_conv2d layer: the window generator's patches, taken from
 * the plan's scan (plan/types.ts ConvWindowPlan) exactly as the hardware takes them, through the
 * lut_linear core's golden model. Frame layout: pixels in raster order, channels fastest.
 */
import type { ConvWindowPlan, LutConv2dPlan } from '../plan/types.ts';
import { runLutLinear } from './lut-linear.ts';

/**
 * The patches of one frame (OH·OW·D), in the order the generator emits them: at every scan
 * position (y, x) where a patch ends, the padded pixels of rows y−kh+1 … y and columns x−kw+1 … x;
 * element ch·kh·kw + i·kw + j is channel ch of the pixel at kernel row i, column j (the plan's pad
 * value in padding: 0 for a convolution).
 */
export function framePatches(w: ConvWindowPlan, frame: Int32Array, frameOffset = 0): Int32Array {
  const [kh, kw] = w.kernel;
  const [ph, pw] = w.padding;
  const C = w.inChannels;
  const D = C * kh * kw;
  const out = new Int32Array(w.outHeight * w.outWidth * D);
  let p = 0;
  for (let y = 0; y < w.paddedHeight; y++) {
    if (!w.rowEmit[y]) continue;
    for (let x = 0; x < w.paddedWidth; x++) {
      if (!w.colEmit[x]) continue;
      for (let i = 0; i < kh; i++) {
        const py = y - kh + 1 + i;
        for (let j = 0; j < kw; j++) {
          const px = x - kw + 1 + j;
          if (w.rowPad[py] || w.colPad[px]) {
            for (let ch = 0; ch < C; ch++) out[p * D + ch * kh * kw + i * kw + j] = w.padValue;
            continue;
          }
          const src = frameOffset + ((py - ph) * w.width + (px - pw)) * C;
          for (let ch = 0; ch < C; ch++) out[p * D + ch * kh * kw + i * kw + j] = frame[src + ch];
        }
      }
      p++;
    }
  }
  return out;
}

/** Layer output for N frames: inputs (N·H·W·C) → outputs (N·OH·OW·M). */
export function runLutConv2d(plan: LutConv2dPlan, inputs: Int32Array): Int32Array {
  const w = plan.window;
  const frameIn = w.height * w.width * w.inChannels;
  const frames = inputs.length / frameIn;
  const frameOut = w.outHeight * w.outWidth * plan.core.dims.M;
  const out = new Int32Array(frames * frameOut);
  for (let n = 0; n < frames; n++) out.set(runLutLinear(plan.core, framePatches(w, inputs, n * frameIn)), n * frameOut);
  return out;
}
