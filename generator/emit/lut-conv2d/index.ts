/** Every file of a lut_conv2d layer: its top, the window generator, then the patch core's (emit/lut-linear/). */
import { indexBits } from '../../numeric/fixed.ts';
import type { ConvTiming, ConvWindowPlan, DesignPlan, LutConv2dPlan } from '../../plan/types.ts';
import { baseContext, counterFields, countWidth, type GeneratedFile } from '../common/context.ts';
import { lutLinearFiles } from '../lut-linear/index.ts';
import { renderTemplate } from '../render.ts';
import { lit, range, slice } from '../verilog.ts';

/** A row or column mask as a binary literal, bit p = flags[p]. */
function mask(flags: boolean[]): string {
  return `${flags.length}'b${[...flags].reverse().map((f) => (f ? '1' : '0')).join('')}`;
}

/** Header parameters of a windowed layer's files: its geometry and timing. */
export function windowParams(w: ConvWindowPlan, outChannels: number, timing: ConvTiming): Record<string, string | number> {
  return {
    image: `${w.height} x ${w.width} x ${w.inChannels}`,
    kernel: w.kernel.join(' x '),
    stride: w.stride.join(' x '),
    padding: w.padding.join(' x '),
    output: `${w.outHeight} x ${w.outWidth} x ${outChannels}`,
    'patch interval': w.patchInterval,
    latency: timing.latency,
    'cycles per frame': timing.initiationInterval,
    ...(w.framePeriod !== undefined ? { 'frame period': w.framePeriod } : {}),
  };
}

/** A pixel of `C` lanes each holding `value` (INT `bits`), as a Verilog literal. */
function pixelLiteral(value: number, C: number, bits: number): string {
  return value === 0 ? lit(0, C * bits) : `{${C}{${bits}'b${((value + 2 ** bits) % 2 ** bits).toString(2).padStart(bits, '0')}}}`;
}

/** The pixel FIFO in front of a window generator's scan (templates/conv/pixel_fifo.v.hbs). */
function pixelFifoFile(design: DesignPlan, w: ConvWindowPlan, fifo: NonNullable<ConvWindowPlan['inputFifo']>, layer: string): GeneratedFile {
  const module = fifo.module;
  const ctx = {
    ...baseContext(design, module, `pixel FIFO of layer ${layer}`, { depth: fifo.depth, 'pixel bits': w.pixelBits }),
    layer,
    depth: fifo.depth,
    reason: fifo.reason,
    pixelBits: w.pixelBits,
    pixelRange: range(w.pixelBits),
    lastSlot: fifo.depth - 1,
    ...counterFields('slot', fifo.depth),
    countRange: range(countWidth(fifo.depth)),
    countZeroLit: lit(0, countWidth(fifo.depth)),
    countOneLit: lit(1, countWidth(fifo.depth)),
    countFullLit: lit(fifo.depth, countWidth(fifo.depth)),
  };
  return { path: `${module}.v`, content: renderTemplate('conv/pixel_fifo.v.hbs', ctx) };
}

/** The window generator of a windowed layer (templates/conv/window.v.hbs), and its pixel FIFO when it has one. */
export function windowFiles(design: DesignPlan, w: ConvWindowPlan, module: string, layer: string, bits: number, params: Record<string, string | number>): GeneratedFile[] {
  const files = [windowFile(design, w, module, layer, bits, params, w.inputFifo ?? null)];
  if (w.inputFifo) files.push(pixelFifoFile(design, w, w.inputFifo, layer));
  return files;
}

function windowFile(design: DesignPlan, w: ConvWindowPlan, module: string, layer: string, bits: number, params: Record<string, string | number>, fifo: { depth: number; module: string } | null): GeneratedFile {
  const [kh, kw] = w.kernel;
  const b = bits;
  const C = w.inChannels;
  const ii = w.patchInterval;
  // Column i of the window's newest column: line buffer i (row y − kh + 1 + i) or, last, the new pixel.
  const lineRows = Array.from({ length: kh - 1 }, (_, r) => ({ index: r, below: r + 1 }));
  const block = w.lineStorage.storage === 'block';
  const columns = Array.from({ length: kh }, (_, i) => ({ index: i, source: i < kh - 1 ? (block ? `line${i}_rd_q` : `line${i}_q[x_q]`) : 'pixel' }));
  const reg = (i: number, j: number) => `win${i}_${j}_q`;
  const windowRegs = [];
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw - 1; j++) windowRegs.push({ name: reg(i, j), next: j < kw - 2 ? reg(i, j + 1) : `col${i}` });
  const elements = [];
  for (let ch = 0; ch < C; ch++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const e = ch * kh * kw + i * kw + j;
        elements.push({ msb: (e + 1) * b - 1, lsb: e * b, source: slice(j < kw - 1 ? reg(i, j) : `col${i}`, ch * b, b) });
      }
    }
  }
  elements.sort((a, z) => a.lsb - z.lsb);
  const yw = indexBits(w.paddedHeight);
  const xw = indexBits(w.paddedWidth);
  const ctx = {
    ...baseContext(design, module, `sliding-window generator of layer ${layer}`, params),
    layer,
    Hp: w.paddedHeight,
    Wp: w.paddedWidth,
    C,
    bits: b,
    kh,
    kw,
    khkw: kh * kw,
    ii,
    paced: ii > 1,
    framePaced: w.framePeriod !== undefined,
    framePeriod: w.framePeriod,
    pixelRange: range(w.pixelBits),
    patchRange: range(C * kh * kw * b),
    padPixel: pixelLiteral(w.padValue, C, b),
    padNote: w.padValue === 0 ? 'zeros' : `${w.padValue} in every channel (never larger than an image value)`,
    rowRange: range(w.paddedHeight),
    colRange: range(w.paddedWidth),
    rowPad: mask(w.rowPad),
    rowEmit: mask(w.rowEmit),
    colPad: mask(w.colPad),
    colEmit: mask(w.colEmit),
    yRange: range(yw),
    xRange: range(xw),
    ...counterFields('y', w.paddedHeight),
    ...counterFields('x', w.paddedWidth),
    ...(ii > 1 ? counterFields('pace', ii) : {}),
    ...(w.framePeriod !== undefined ? counterFields('frame', w.framePeriod) : {}),
    lastColumn: w.paddedWidth - 1,
    blockLines: block,
    lineRows,
    columns,
    windowRegs,
    elements,
    fifo,
  };
  return { path: `${module}.v`, content: renderTemplate('conv/window.v.hbs', ctx) };
}

function topFile(design: DesignPlan, plan: LutConv2dPlan): GeneratedFile {
  const w = plan.window;
  const ctx = {
    ...baseContext(design, plan.modules.top, `LUT-NN convolution layer ${plan.name}`, windowParams(plan.window, plan.core.dims.M, plan.timing)),
    layer: plan.name,
    H: w.height,
    W: w.width,
    C: w.inChannels,
    OH: w.outHeight,
    OW: w.outWidth,
    M: plan.core.dims.M,
    D: plan.core.dims.D,
    kh: w.kernel[0],
    kw: w.kernel[1],
    inBits: plan.input.bits,
    outBits: plan.output.bits,
    latency: plan.timing.latency,
    ii: plan.timing.initiationInterval,
    pixelRange: range(w.pixelBits),
    patchRange: range(plan.core.dims.D * plan.input.bits),
    outRange: range(plan.core.dims.M * plan.output.bits),
    window: plan.modules.window,
    core: plan.core.modules.top,
  };
  return { path: `${plan.modules.top}.v`, content: renderTemplate('conv/conv_top.v.hbs', ctx) };
}

export function lutConv2dFiles(design: DesignPlan, plan: LutConv2dPlan): GeneratedFile[] {
  const w = windowFiles(design, plan.window, plan.modules.window, plan.name, plan.input.bits, windowParams(plan.window, plan.core.dims.M, plan.timing));
  return [topFile(design, plan), ...w, ...lutLinearFiles(design, plan.core)];
}
