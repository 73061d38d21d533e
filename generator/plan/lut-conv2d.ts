/**
 * Planner for a lut_conv2d layer: the window generator's geometry and schedule around a lut_linear
 * core planned from the patch layer (plan/lut-linear.ts). The layer's ports are pixel streams by
 * nature (plan/types.ts LutConv2dPlan), so its stream plan is made here, not by plan/stream.ts.
 *
 * Schedule of one frame (docs/architecture.md "The hardware of a lut_conv2d layer"), cycles from
 * the frame's first step, input and output never waiting: the generator takes one scan position
 * per cycle, except that a position where a patch ends waits until `patchInterval` (the core's II)
 * cycles have passed since the previous patch, and so does the frame's first position. A patch
 * loaded in cycle t is taken by the core in t + 1 (the pacing keeps it ready), whose first result
 * is valid L_core cycles later. So latency (first pixel beat in to first output beat) =
 * firstPatchStep − firstPixelStep + 1 + L_core, and a frame starts every frameCycles cycles.
 */
import type { Conv2dGeometry, LutConv2dLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { AUTO_BLOCK_BITS, AUTO_BLOCK_DEPTH, deepMemoryStyle, planLutLinear, reloadLutLinear } from './lut-linear.ts';
import type { StreamFormat } from '../artifact/types.ts';
import type { ConvTiming, ConvWindowPlan, LayerStreamPlan, LutConv2dPlan, LutLinearPlan } from './types.ts';

/** Output size of one dimension: floor((size + 2·pad − kernel) / stride) + 1 (PyTorch's, dilation 1). */
export function convOutputSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** The scan positions of one padded dimension: which are padding, and at which a patch ends. */
function scanDimension(size: number, kernel: number, stride: number, pad: number): { pad: boolean[]; emit: boolean[]; out: number } {
  const padded = size + 2 * pad;
  const out = convOutputSize(size, kernel, stride, pad);
  const emit = Array.from({ length: padded }, () => false);
  for (let o = 0; o < out; o++) emit[o * stride + kernel - 1] = true;
  return { pad: Array.from({ length: padded }, (_, p) => p < pad || p >= pad + size), emit, out };
}

/** The window generator of a geometry, for a core taking a patch every `patchInterval` cycles. */
/**
 * Storage of the line buffers: the knob, or with `auto` block RAM for rows of at least
 * AUTO_BLOCK_BITS in AUTO_BLOCK_DEPTH pixels (the rule of every deep memory); registers when there
 * are no line buffers (kh = 1) or a row is one pixel (its read a cycle ahead would meet its write).
 */
export function planLineStorage(knob: LayerHwConfig['inputBuffer'], kh: number, paddedWidth: number, pixelBits: number): { storage: 'registers' | 'block'; reason: string; refusal?: string } {
  const why = kh === 1 ? 'no line buffers (a kernel one row high)' : paddedWidth === 1 ? 'rows of one pixel' : null;
  if (knob === 'registers') return { storage: 'registers', reason: 'input_buffer: registers' };
  if (why) return knob === 'block' ? { storage: 'registers', reason: why, refusal: why } : { storage: 'registers', reason: why };
  if (knob === 'block') return { storage: 'block', reason: 'input_buffer: block' };
  const style = deepMemoryStyle('auto', pixelBits, paddedWidth);
  return style === 'block'
    ? { storage: 'block', reason: `auto: rows of ${paddedWidth} x ${pixelBits} bits, at least ${AUTO_BLOCK_BITS} bits in ${AUTO_BLOCK_DEPTH} words` }
    : { storage: 'registers', reason: `auto: rows of ${paddedWidth} x ${pixelBits} bits, below ${AUTO_BLOCK_BITS} bits in ${AUTO_BLOCK_DEPTH} words` };
}

export function planConvWindow(conv: Conv2dGeometry, inputBits: number, patchInterval: number, padValue = 0, lineStorage: ConvWindowPlan['lineStorage'] = { storage: 'registers', reason: 'input_buffer: registers' }): ConvWindowPlan {
  const [kh, kw] = conv.kernel;
  const [sh, sw] = conv.stride;
  const [ph, pw] = conv.padding;
  const rows = scanDimension(conv.height, kh, sh, ph);
  const cols = scanDimension(conv.width, kw, sw, pw);
  const pixelBits = conv.inChannels * inputBits;
  const paddedWidth = conv.width + 2 * pw;
  return {
    ...conv,
    paddedHeight: rows.pad.length,
    paddedWidth,
    outHeight: rows.out,
    outWidth: cols.out,
    rowPad: rows.pad,
    colPad: cols.pad,
    rowEmit: rows.emit,
    colEmit: cols.emit,
    pixelBits,
    padValue,
    lineStorage,
    lineBufferBits: (kh - 1) * paddedWidth * pixelBits,
    windowBits: kh * (kw - 1) * pixelBits,
    patchInterval,
  };
}

/** A frame's scan: the cycle of every step that loads a patch, of the first image pixel's step, and the frame's length. */
export interface ConvFrameSchedule {
  firstPixelStep: number;
  patchSteps: number[];
  frameCycles: number;
}

/** Frames scanned back to back: the cycle each image pixel is taken, each patch loaded, each frame's first step, and the next frame's. */
export interface ConvScan {
  takes: number[];
  patchSteps: number[];
  frameStarts: number[];
  end: number;
}

/**
 * The scan of `frames` frames back to back (the module comment's schedule), in cycles from the
 * first cycle after reset, when the scan starts. `arrivals[i]` is the cycle image pixel i (frame
 * by frame, raster order) is offered (null, or −Infinity for one: there when the scan wants it).
 * The scan steps over padding without input, at an image position no earlier than its pixel, at a
 * patch end no earlier than `patchInterval` after the previous patch; a frame's first step waits
 * for the pacing too, and comes `framePeriod` (when set) after the previous frame's first step at the earliest.
 */
export function convScan(w: ConvWindowPlan, frames: number, arrivals: readonly number[] | null): ConvScan {
  const II = w.patchInterval;
  let t = 0;
  let lastPatch = -Infinity;
  let pixel = 0;
  const takes: number[] = [];
  const patchSteps: number[] = [];
  const frameStarts: number[] = [];
  for (let f = 0; f < frames; f++) {
    t = Math.max(t, lastPatch + II, f > 0 ? frameStarts[f - 1] + (w.framePeriod ?? 0) : 0);
    for (let y = 0; y < w.paddedHeight; y++) {
      for (let x = 0; x < w.paddedWidth; x++) {
        const image = !w.rowPad[y] && !w.colPad[x];
        const at = image && arrivals ? arrivals[pixel] : -Infinity;
        const emit = w.rowEmit[y] && w.colEmit[x];
        const step = Math.max(t, at, emit ? lastPatch + II : -Infinity);
        if (y === 0 && x === 0) frameStarts.push(step);
        if (image) {
          takes.push(step);
          pixel++;
        }
        if (emit) {
          patchSteps.push(step);
          lastPatch = step;
        }
        t = step + 1;
      }
    }
  }
  return { takes, patchSteps, frameStarts, end: Math.max(t, lastPatch + II) };
}

/**
 * One frame's scan from reset (convScan): `offered`, when given, is the cycle its first pixel is
 * offered and `arrivals` the others' (cycles from the first; null: each there when the scan wants
 * it); without, every pixel is there when the scan wants it.
 */
export function convFrameSchedule(w: ConvWindowPlan, offered?: number, arrivals?: readonly number[] | null): ConvFrameSchedule {
  const absolute = offered === undefined ? null : Array.from({ length: w.height * w.width }, (_, i) => (i === 0 ? offered : arrivals ? offered + arrivals[i] : -Infinity));
  const s = convScan(w, 1, absolute);
  return { firstPixelStep: s.takes[0], patchSteps: s.patchSteps, frameCycles: s.end };
}

/** The gap-free schedule's three figures (plan ConvTiming). */
export function convSchedule(w: ConvWindowPlan): { firstPixelStep: number; firstPatchStep: number; frameCycles: number } {
  const s = convFrameSchedule(w);
  return { firstPixelStep: s.firstPixelStep, firstPatchStep: s.patchSteps[0], frameCycles: s.frameCycles };
}

/**
 * A windowed layer's first `frames` frames in a chain (kinds' `schedule`): image pixels offered at
 * `arrivals` (null: whenever the scan wants them). Its scan starts at reset, so the padding before
 * the first image pixel may still be ahead of it when the pixel comes (then the pixel waits), or
 * behind. A patch loaded in t gives its output pixel at t + 1 + L_core.
 */
export function windowSchedule(w: ConvWindowPlan, coreLatency: number, arrivals: readonly number[] | null, frames: number): { takes: number[]; outputs: number[] } {
  const s = convScan(w, frames, arrivals);
  return { takes: s.takes, outputs: s.patchSteps.map((p) => p + 1 + coreLatency) };
}

/** The line buffers as planned memories (synthesis checks that block ones land in block RAM): one per row, Wp pixels. */
export function lineBufferMemories(module: string, w: ConvWindowPlan): { module: string; style: 'block'; words: number; bits: number }[] {
  return w.lineStorage.storage === 'block' ? [{ module, style: 'block', words: w.paddedWidth, bits: w.pixelBits }] : [];
}

/** The line buffers' storage for a layer, refusing `input_buffer: block` where there are none to put in block RAM. */
export function lineStorageOf(name: string, conv: Conv2dGeometry, bits: number, hw: LayerHwConfig, file: string): ConvWindowPlan['lineStorage'] {
  const s = planLineStorage(hw.inputBuffer, conv.kernel[0], conv.width + 2 * conv.padding[1], conv.inChannels * bits);
  if (s.refusal) {
    throw new LutnnError(`Layer "${name}" cannot have its line buffers in block RAM.`, { file, field: `layers.${name}.input_buffer (hardware config)`, expected: 'input_buffer: auto or registers for this layer', found: `input_buffer: block, but it has ${s.refusal}` });
  }
  return { storage: s.storage, reason: s.reason };
}

function refuse(layer: LutConv2dLayer, file: string, field: string, expected: string, found: string): never {
  throw new LutnnError(`Layer "${layer.name}" cannot be built as a lut_conv2d layer.`, { file, field, expected, found });
}

/**
 * Knobs that do not apply to a convolution's ports or that its hardware does not have yet: its
 * ports carry a pixel per beat, and its tables are ROM.
 */
function checkKnobs(layer: LutConv2dLayer, hw: LayerHwConfig, file: string): void {
  if (hw.elementsPerBeat !== 'auto') refuse(layer, file, `layers.${layer.name}.elements_per_beat (hardware config)`, 'auto: a lut_conv2d layer takes one pixel (in_channels elements) per beat and gives one output pixel per beat', String(hw.elementsPerBeat));
  if (hw.tableStorage !== 'rom') refuse(layer, file, `layers.${layer.name}.table_storage (hardware config)`, 'rom (writable tables are not built for lut_conv2d layers yet)', hw.tableStorage);
  const [kh, kw] = layer.conv.kernel;
  const [ph, pw] = layer.conv.padding;
  if (ph >= kh || pw >= kw) {
    refuse(layer, file, `padding of layer ${layer.name}`, `padding below the kernel in each dimension (below [${kh}, ${kw}]): every patch holds an image pixel`, `[${ph}, ${pw}]`);
  }
}

/** Timing of a window generator in front of a unit of latency `coreLatency` (a patch in to its result out) and watchdog bound `coreWatchdog`. */
export function windowTiming(w: ConvWindowPlan, coreLatency: number, coreWatchdog: number): ConvTiming {
  const s = convSchedule(w);
  const latency = s.firstPatchStep - s.firstPixelStep + 1 + coreLatency;
  return {
    latency,
    initiationInterval: s.frameCycles,
    // The core's bound, and a frame's scan twice over (the one in flight and the one behind it).
    watchdogCycles: coreWatchdog + latency + 2 * s.frameCycles + 16,
    ...s,
  };
}

/** The layer's ports as a native stream: a pixel per beat in, an output pixel per beat out, the window generator's reason for its storage. */
export function windowStream(w: ConvWindowPlan, top: string, inner: string, input: StreamFormat, output: StreamFormat, outChannels: number, timing: ConvTiming): LayerStreamPlan {
  return {
    top,
    modules: { input: inner, output: top },
    input: { elementsPerBeat: w.inChannels, beats: w.height * w.width, laneBits: input.bits },
    output: { elementsPerBeat: outChannels, beats: w.outHeight * w.outWidth, laneBits: output.bits },
    nativeOutput: true,
    nativeInput: true,
    timing: { latency: timing.latency, initiationInterval: timing.initiationInterval, watchdogCycles: timing.watchdogCycles },
    inputBuffer: {
      storage: 'registers',
      reason:
        w.lineStorage.storage === 'block'
          ? `line buffers of ${w.kernel[0] - 1} row(s) x ${w.paddedWidth} pixels in block RAM (${w.lineStorage.reason}), the window in ${w.windowBits} flops`
          : `line buffers of ${w.kernel[0] - 1} row(s) x ${w.paddedWidth} pixels and the window, ${w.lineBufferBits + w.windowBits} flops (${w.lineStorage.reason})`,
    },
  };
}

/** The layer around its core: geometry, schedule, and its pixel ports as a native stream. */
function assemble(layer: LutConv2dLayer, core: LutLinearPlan, prefix: string, lines: ConvWindowPlan['lineStorage']): LutConv2dPlan {
  const w = planConvWindow(layer.conv, core.input.bits, core.timing.initiationInterval, 0, lines);
  const timing = windowTiming(w, core.timing.latency, core.timing.watchdogCycles);
  const top = `${prefix}_top`;
  return {
    kind: 'lut_conv2d',
    name: layer.name,
    modules: { top, window: `${prefix}_window` },
    window: w,
    core,
    input: core.input,
    output: core.output,
    timing,
    stream: windowStream(w, top, `${prefix}_window`, core.input, core.output, core.dims.M, timing),
  };
}

export function planLutConv2d(layer: LutConv2dLayer, hw: LayerHwConfig, prefix: string, file: string): LutConv2dPlan {
  checkKnobs(layer, hw, file);
  // The core has whole-patch ports inside the layer, whatever the layer's io knob says.
  const coreHw: LayerHwConfig = { ...hw, io: 'parallel', elementsPerBeat: 'auto', inputBuffer: 'auto' };
  const core = planLutLinear(layer.linear, coreHw, `${prefix}_patch`, file);
  return assemble(layer, core, prefix, lineStorageOf(layer.name, layer.conv, core.input.bits, hw, file));
}

/** The planned convolution with another artifact layer's contents (its tables are ROM today, so only an unchanged layer passes). */
export function reloadLutConv2d(plan: LutConv2dPlan, layer: LutConv2dLayer, file: string): LutConv2dPlan {
  return { ...plan, core: reloadLutLinear(plan.core, layer.linear, file) };
}
