/** Bit-exact golden model of a planned maxpool2d layer: the window generator's patches (golden/lut-conv2d.ts), the maximum per channel. */
import type { MaxPool2dPlan } from '../plan/types.ts';
import { framePatches } from './lut-conv2d.ts';

export function runMaxPool2d(plan: MaxPool2dPlan, inputs: Int32Array): Int32Array {
  const w = plan.window;
  const C = w.inChannels;
  const window = w.kernel[0] * w.kernel[1];
  const frameIn = w.height * w.width * C;
  const pixels = w.outHeight * w.outWidth;
  const frames = inputs.length / frameIn;
  const out = new Int32Array(frames * pixels * C);
  for (let n = 0; n < frames; n++) {
    const patches = framePatches(w, inputs, n * frameIn);
    for (let p = 0; p < pixels; p++) {
      for (let ch = 0; ch < C; ch++) {
        let m = patches[(p * C + ch) * window];
        for (let e = 1; e < window; e++) m = Math.max(m, patches[(p * C + ch) * window + e]);
        out[(n * pixels + p) * C + ch] = m;
      }
    }
  }
  return out;
}
