/** What the pool kinds' emitters share: the template fields of the window and ports, and the layer's file list. */
import type { DesignPlan, PoolPlanCommon } from '../plan/types.ts';
import { baseContext, type GeneratedFile, type HeaderParams } from './common/context.ts';
import { windowFiles, windowParams } from './lut-conv2d/index.ts';
import { range } from './verilog.ts';

/** The top's context: header (`description`, the window's parameters and `extraParams`), geometry, ports, timing. */
export function poolTopContext(design: DesignPlan, plan: PoolPlanCommon, description: string, extraParams: HeaderParams = {}) {
  const w = plan.window;
  const [kh, kw] = w.kernel;
  const C = w.inChannels;
  const b = plan.input.bits;
  return {
    ...baseContext(design, plan.modules.top, description, { ...windowParams(w, C, plan.timing), ...extraParams }),
    layer: plan.name,
    H: w.height,
    W: w.width,
    C,
    OH: w.outHeight,
    OW: w.outWidth,
    kh,
    kw,
    khkw: kh * kw,
    window: plan.modules.window,
    bits: b,
    latency: plan.timing.latency,
    ii: plan.timing.initiationInterval,
    pixelRange: range(w.pixelBits),
    patchRange: range(C * kh * kw * b),
    elementRange: range(b),
  };
}

/** The layer's files: its top and its window generator. */
export function poolFiles(design: DesignPlan, plan: PoolPlanCommon, top: GeneratedFile): GeneratedFile[] {
  return [top, ...windowFiles(design, plan.window, plan.modules.window, plan.name, plan.input.bits, windowParams(plan.window, plan.window.inChannels, plan.timing))];
}
