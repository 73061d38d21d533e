/** The golden model a pool kind shares: the window generator's patches (golden/lut-conv2d.ts), each channel's window reduced to one value. */
import type { PoolPlanCommon } from '../plan/types.ts';
import { framePatches } from './lut-conv2d.ts';

/** `reduce(patches, start, n)`: one channel's window, the n values patches[start … start + n − 1]. */
export function runPool(plan: PoolPlanCommon, inputs: Int32Array, reduce: (patches: Int32Array, start: number, n: number) => number): Int32Array {
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
      for (let ch = 0; ch < C; ch++) out[(n * pixels + p) * C + ch] = reduce(patches, (p * C + ch) * window, window);
    }
  }
  return out;
}
