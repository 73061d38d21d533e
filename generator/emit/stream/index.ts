/**
 * Emitters of stream ports (plan/stream.ts): a stream layer's input assembler, output serializer
 * and wrapper (templates/stream/), and the design's AXI4-Stream top. Kind-independent: the wrapper
 * instantiates the layer's core by its module name, every core having the same port list.
 */
import { layerInput, layerOutput } from '../../plan/layer-io.ts';
import type { BeatFormat, DesignPlan, InputBufferPlan, LayerPlan, LayerStreamPlan, StreamSpec } from '../../plan/types.ts';
import { bankedInput } from '../../plan/stream.ts';
import { bankedPorts } from '../common/banked-input.ts';
import { renderTemplate } from '../render.ts';
import { baseContext, countWidth, counterFields, type GeneratedFile } from '../common/context.ts';
import { indexBits } from '../../numeric/fixed.ts';
import { designLoadPortFields, loadPortFields } from '../common/load-port.ts';
import { lit, range, slice } from '../verilog.ts';

/** Fields both beat modules read: vector and beat ranges, the beat counter, whether the last beat is short. */
function beatFields(spec: StreamSpec, beat: BeatFormat) {
  const W = beat.elementsPerBeat * beat.laneBits;
  return {
    elements: spec.elements,
    bits: spec.bits,
    perBeat: beat.elementsPerBeat,
    beats: beat.beats,
    multiBeat: beat.beats > 1,
    shortLast: spec.elements % beat.elementsPerBeat !== 0,
    lastElement: spec.elements - 1,
    beatRange: range(W),
    vectorRange: range(spec.elements * spec.bits),
  };
}

/** Header parameters of a beat module: the vector and its beats. */
function beatParams(spec: StreamSpec, beat: BeatFormat) {
  return { elements: spec.elements, 'element bits': spec.bits, 'elements per beat': beat.elementsPerBeat, beats: beat.beats };
}

function streamInFile(design: DesignPlan, layer: LayerPlan, s: LayerStreamPlan): GeneratedFile {
  const spec = layerInput(layer);
  const W = s.input.elementsPerBeat * s.input.laneBits;
  const total = spec.elements * spec.bits;
  const B = s.input.beats;
  const writes = Array.from({ length: B }, (_, k) => {
    const width = Math.min(W, total - k * W);
    return { index: k, lsb: k * W, msb: k * W + width - 1, srcMsb: width - 1 };
  });
  const ctx = {
    ...baseContext(design, s.modules.input, `input assembler of layer ${layer.name} (beats to vectors)`, beatParams(spec, s.input)),
    ...beatFields(spec, s.input),
    writes,
    ...(B > 1 ? { oneHotRange: range(B), lastBeatIndex: B - 1, firstBeatLit: lit(1, B), rotateExpr: `{${slice('beat_q', 0, B - 1)}, beat_q[${B - 1}]}` } : {}),
  };
  return { path: `${s.modules.input}.v`, content: renderTemplate('stream/stream_in.v.hbs', ctx) };
}

type BlockBuffer = Extract<InputBufferPlan, { storage: 'block' }>;

/** `reg + 1` modulo `count` (a plain increment when count is a power of two). */
function nextModulo(reg: string, count: number): string {
  const w = indexBits(count);
  return (count & (count - 1)) === 0 ? `${reg} + ${lit(1, w)}` : `(${reg} == ${lit(count - 1, w)}) ? ${lit(0, w)} : ${reg} + ${lit(1, w)}`;
}

function bankedInFile(design: DesignPlan, layer: LayerPlan, s: LayerStreamPlan, b: BlockBuffer): GeneratedFile {
  const spec = layerInput(layer);
  const bankBits = indexBits(b.banks);
  const L = b.beatsPerWord;
  const countW = countWidth(b.banks);
  // A core that still reads the bank before when it takes a vector keeps one bank from the writer.
  const writeLimit = b.readAtTake === 'taken' ? b.banks : b.banks - 1;
  const ctx = {
    ...baseContext(design, s.modules.input, `input buffer of layer ${layer.name} (beats to block RAM words)`, {
      ...beatParams(spec, s.input),
      banks: b.banks,
      words: `${b.words} x ${b.wordElements} elements`,
    }),
    ...beatFields(spec, s.input),
    banks: b.banks,
    words: b.words,
    wordElements: b.wordElements,
    beatsPerWord: L,
    lastLane: L - 1,
    taken: b.readAtTake === 'taken',
    multiWord: b.words > 1,
    multiLane: L > 1,
    writeCounters: b.words > 1 || L > 1,
    wordIdxRange: range(Math.max(1, b.wordAddressBits)),
    ...(b.words > 1 ? { wordLastLit: lit(b.words - 1, b.wordAddressBits), wordZeroLit: lit(0, b.wordAddressBits), wordOneLit: lit(1, b.wordAddressBits) } : {}),
    wordRange: range(b.wordBits),
    countRange: range(countW),
    countZeroLit: lit(0, countW),
    countOneLit: lit(1, countW),
    writeLimitLit: lit(writeLimit, countW),
    bankRange: range(bankBits),
    bankZeroLit: lit(0, bankBits),
    headNextExpr: nextModulo('head_q', b.banks),
    wrBankNextExpr: nextModulo('wr_bank_q', b.banks),
    rdBankExpr: b.readAtTake === 'taken' ? '(taken ? head_q : cur_q)' : 'cur_q',
    addrRange: range(bankBits + b.wordAddressBits),
    lastAddress: b.depth - 1,
    lanes: Array.from({ length: L }, (_, j) => ({ index: j })),
    ...(L > 1 ? { laneRange: range(L), laneFirstLit: lit(1, L), laneRotateExpr: `{${slice('lane_q', 0, L - 1)}, lane_q[${L - 1}]}` } : {}),
    wordExpr: L === 1 ? 'lane0_q' : `{${Array.from({ length: L }, (_, j) => `lane${L - 1 - j}_q`).join(', ')}}`,
  };
  return { path: `${s.modules.input}.v`, content: renderTemplate('stream/stream_in_banked.v.hbs', ctx) };
}

function streamOutFile(design: DesignPlan, layer: LayerPlan, s: LayerStreamPlan): GeneratedFile {
  const spec = layerOutput(layer);
  const W = s.output.elementsPerBeat * s.output.laneBits;
  const total = spec.elements * spec.bits;
  const ctx = {
    ...baseContext(design, s.modules.output, `output serializer of layer ${layer.name} (vectors to beats)`, beatParams(spec, s.output)),
    ...beatFields(spec, s.output),
    // The beat counter (the input assembler's is one-hot instead).
    ...(s.output.beats > 1 ? { ...counterFields('beatIdx', s.output.beats), beatBeforeLastLit: lit(s.output.beats - 2, indexBits(s.output.beats)) } : {}),
    beatMsb: W - 1,
    // Shift right by one beat, zeros in at the top (they fill a short last beat's spare lanes).
    shiftExpr: s.output.beats > 1 ? `{${lit(0, W)}, ${slice('vector_q', W, total - W)}}` : '',
  };
  return { path: `${s.modules.output}.v`, content: renderTemplate('stream/stream_out.v.hbs', ctx) };
}

function wrapperFile(design: DesignPlan, layer: LayerPlan, s: LayerStreamPlan): GeneratedFile {
  const inp = layerInput(layer);
  const out = layerOutput(layer);
  const ctx = {
    ...baseContext(design, s.top, `stream ports of layer ${layer.name}`, {
      core: layer.modules.top,
      'input beats': `${s.input.beats} x ${s.input.elementsPerBeat} elements`,
      'output beats': `${s.output.beats} x ${s.output.elementsPerBeat} elements`,
      latency: s.timing.latency,
      'initiation interval': s.timing.initiationInterval,
    }),
    layer: layer.name,
    serializer: !s.nativeOutput,
    core: layer.modules.top,
    inModule: s.modules.input,
    outModule: s.modules.output,
    inBeats: s.input.beats,
    inPerBeat: s.input.elementsPerBeat,
    inBits: inp.bits,
    outBeats: s.output.beats,
    outPerBeat: s.output.elementsPerBeat,
    outBits: out.bits,
    latency: s.timing.latency,
    ii: s.timing.initiationInterval,
    inBeatRange: range(s.input.elementsPerBeat * s.input.laneBits),
    outBeatRange: range(s.output.elementsPerBeat * s.output.laneBits),
    inVectorRange: range(inp.elements * inp.bits),
    outVectorRange: range(out.elements * out.bits),
    banked: bankedPorts(layer),
    ...loadPortFields(design.load, layer.load),
  };
  return { path: `${s.top}.v`, content: renderTemplate('stream/stream_layer.v.hbs', ctx) };
}

/** The files of a stream layer's ports (none for a parallel layer). */
export function streamLayerFiles(design: DesignPlan, layer: LayerPlan): GeneratedFile[] {
  const s = layer.stream;
  // No stream, or a layer whose own module has the beat ports (lut_conv2d): nothing to wrap.
  if (!s || s.nativeInput) return [];
  const banked = bankedInput(layer);
  return [banked ? bankedInFile(design, layer, s, banked) : streamInFile(design, layer, s), ...(s.nativeOutput ? [] : [streamOutFile(design, layer, s)]), wrapperFile(design, layer, s)];
}

/** Concatenation (MSB first) of `lanes` parts built by `part(l)` for lane l. */
function concat(lanes: number, part: (l: number) => string): string {
  const parts = Array.from({ length: lanes }, (_, i) => part(lanes - 1 - i));
  return parts.length === 1 ? parts[0] : `{${parts.join(', ')}}`;
}

/** The design's AXI4-Stream top: byte-aligned lanes around the chain's beat ports, tlast per vector. */
export function axisTopFile(design: DesignPlan): GeneratedFile {
  const axi = design.axiStream!;
  const { input, output } = design.io;
  const ib = input.beat!;
  const ob = output.beat!;
  const inPad = ib.laneBits - input.bits;
  const outPad = ob.laneBits - output.bits;
  const unusedIn = ['s_axis_tlast', ...(inPad > 0 ? Array.from({ length: ib.elementsPerBeat }, (_, l) => slice('s_axis_tdata', l * ib.laneBits + input.bits, inPad)) : [])];
  const ctx = {
    ...baseContext(design, axi.top, 'AXI4-Stream top', {
      inner: axi.inner,
      'input beats': `${ib.beats} x ${ib.elementsPerBeat} lanes of ${ib.laneBits} bits`,
      'output beats': `${ob.beats} x ${ob.elementsPerBeat} lanes of ${ob.laneBits} bits`,
    }),
    inner: axi.inner,
    inBeats: ib.beats,
    inPerBeat: ib.elementsPerBeat,
    inLaneBits: ib.laneBits,
    inBits: input.bits,
    inPadded: inPad > 0,
    outBeats: ob.beats,
    outPerBeat: ob.elementsPerBeat,
    outLaneBits: ob.laneBits,
    outBits: output.bits,
    latency: design.timing.latency,
    ii: design.timing.initiationInterval,
    inBusRange: range(ib.elementsPerBeat * ib.laneBits),
    outBusRange: range(ob.elementsPerBeat * ob.laneBits),
    inBeatRange: range(ib.elementsPerBeat * input.bits),
    outBeatRange: range(ob.elementsPerBeat * output.bits),
    inPackExpr: concat(ib.elementsPerBeat, (l) => slice('s_axis_tdata', l * ib.laneBits, input.bits)),
    unusedInExpr: unusedIn.length === 1 ? unusedIn[0] : `^{${unusedIn.join(', ')}}`,
    outUnpackExpr: concat(ob.elementsPerBeat, (l) => {
      const lane = slice('out_beat', l * output.bits, output.bits);
      return outPad > 0 ? `{{${outPad}{out_beat[${l * output.bits + output.bits - 1}]}}, ${lane}}` : lane;
    }),
    outMultiBeat: ob.beats > 1,
    ...designLoadPortFields(design.load),
    ...(ob.beats > 1 ? counterFields('beatIdx', ob.beats) : {}),
  };
  return { path: `${axi.top}.v`, content: renderTemplate('stream/axis_top.v.hbs', ctx) };
}
