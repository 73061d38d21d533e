/**
 * Stream ports (hw.yaml `io: stream`, docs/hw-config.md "Ports"): a layer of any kind keeps its
 * parallel core and gains a wrapper that assembles the input vector from beats and serializes the
 * output vector into beats (emit/stream/). This module plans the beats, the wrapper's timing, the
 * links between layers and the design's top ports (optionally AXI4-Stream).
 *
 * Timing of a stream layer, with B_in input and B_out output beats around a core of latency L and
 * initiation interval II (docs/architecture.md "Stream ports"):
 *   beats 0 … B_in−1 of a vector are taken in cycles a … a+B_in−1; the assembled vector is offered
 *   to the core from cycle a+B_in (a register), which takes it then if ready; the core's output is
 *   loaded into the serializer in the cycle it appears, so its first beat is valid L+1 cycles after
 *   the core's handshake. Latency (first input beat to first output beat) = B_in + L + 1;
 *   II = max(II_core, B_in, B_out): the assembler takes the next vector's first beat in the cycle the
 *   core takes the last one, and the serializer loads the next vector with the last beat's handshake.
 * A core that gives beats itself (a lut_linear layer's beat FIFO, `beatOutput`) has no serializer:
 * latency B_in + L_core, L_core being to its first output beat.
 */
import { layerConfig, type HwConfig, type LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { layerInput, layerOutput } from './layer-io.ts';
import { beatFormat, byteLaneBits } from './beats.ts';
import { indexBits } from '../numeric/fixed.ts';
import { AUTO_BLOCK_BITS, AUTO_BLOCK_DEPTH } from './lut-linear.ts';
import type { BeatFormat, BeatOutputPlan, DesignPlan, InputBufferPlan, LayerPlan, PortSpec, PortTiming, StreamSpec } from './types.ts';

export { AUTO_BUS_BITS, beatFormat, byteLaneBits } from './beats.ts';

/**
 * Timing at the beat ports of a wrapper around a core (see the module comment): the serializer's
 * register adds a cycle, a core that gives beats itself (`nativeOutput`) has none.
 */
export function streamTiming(core: PortTiming, inBeats: number, outBeats: number, nativeOutput = false): PortTiming {
  return {
    latency: inBeats + core.latency + (nativeOutput ? 0 : 1),
    initiationInterval: Math.max(core.initiationInterval, inBeats, outBeats),
    // The core's bound, plus assembling one vector and draining one, twice over for the one queued behind.
    watchdogCycles: core.watchdogCycles + 2 * (inBeats + outBeats) + 8,
  };
}

/**
 * The input buffer of a stream layer (hw.yaml input_buffer; docs/hw-config.md "Ports"). `block`
 * writes the beats into banked block RAM, `banks` vectors deep, that the core reads a word (one
 * step's elements) per cycle from, instead of a vector of flops the core copies. It needs a kind that
 * reads words (`inputWords`) and a layout where every word is whole beats and the vector whole
 * words; `auto` takes it from AUTO_BLOCK_BITS of storage and lane memories AUTO_BLOCK_DEPTH deep on, and
 * says why not otherwise.
 */
export function planInputBuffer(layer: LayerPlan, input: BeatFormat, cfg: LayerHwConfig, configFile: string): InputBufferPlan {
  const knob = cfg.inputBuffer;
  if (knob === 'registers') return { storage: 'registers', reason: 'input_buffer: registers' };
  const refuse = (expected: string, found: string): never => {
    throw new LutnnError(`Layer "${layer.name}" cannot have a block-RAM input buffer.`, { file: configFile, field: `input_buffer (layer ${layer.name})`, expected, found });
  };
  const words = layer.inputWords;
  if (!words) {
    const why = `a ${layer.kind} layer takes whole vectors`;
    return knob === 'block' ? refuse('input_buffer: registers or auto for this layer (only lut_linear and the MAC baseline read their input a word per step)', why) : { storage: 'registers', reason: why };
  }
  const inp = layerInput(layer);
  const P = input.elementsPerBeat;
  const whyNot =
    words.wordElements % P !== 0
      ? `a step's word of ${words.wordElements} elements is not whole beats of ${P}`
      : words.words * words.wordElements !== inp.elements
        ? `${words.words} words of ${words.wordElements} elements are ${words.words * words.wordElements} elements, not the ${inp.elements} inputs`
        : null;
  if (whyNot) {
    return knob === 'block' ? refuse(`elements_per_beat dividing the ${words.wordElements} elements of a step, and whole steps in the ${inp.elements} inputs`, whyNot) : { storage: 'registers', reason: whyNot };
  }
  const wordBits = words.wordElements * inp.bits;
  const wordAddressBits = words.words > 1 ? indexBits(words.words) : 0;
  const depth = words.banks * 2 ** wordAddressBits;
  const bits = words.banks * words.words * wordBits;
  if (knob === 'auto' && bits < AUTO_BLOCK_BITS) return { storage: 'registers', reason: `${bits} bits of buffer, below the ${AUTO_BLOCK_BITS} that go to block RAM` };
  // Each lane memory is a block RAM of its own: a shallow one wastes most of it (the MAC weight rule's bound).
  if (knob === 'auto' && depth < AUTO_BLOCK_DEPTH) return { storage: 'registers', reason: `lane memories ${depth} words deep, below the ${AUTO_BLOCK_DEPTH} that fill block RAM` };
  return {
    storage: 'block',
    banks: words.banks,
    words: words.words,
    wordElements: words.wordElements,
    wordBits,
    beatsPerWord: words.wordElements / P,
    wordAddressBits,
    depth,
    bits,
    readAtTake: words.readAtTake,
  };
}

/** The banked input buffer of a layer, when it has one (the core then reads words, not a vector). */
export function bankedInput(layer: LayerPlan): Extract<InputBufferPlan, { storage: 'block' }> | undefined {
  const b = layer.stream?.inputBuffer;
  return b?.storage === 'block' ? b : undefined;
}

/** The layer with its stream wrapper planned when its knobs say `io: stream`; refuses stream knobs without a stream. */
export function planLayerStream<P extends LayerPlan>(layer: P, cfg: LayerHwConfig, configFile: string): P {
  // A kind whose ports are streams by nature (lut_conv2d: a pixel per beat) planned its own.
  if (layer.stream?.nativeInput) return layer;
  if (cfg.io === 'parallel') {
    const knob = cfg.elementsPerBeat !== 'auto' ? ['elements_per_beat', String(cfg.elementsPerBeat)] : cfg.inputBuffer !== 'auto' ? ['input_buffer', cfg.inputBuffer] : null;
    if (knob) {
      throw new LutnnError(`Layer "${layer.name}" sets ${knob[0]} but its ports are parallel.`, {
        file: configFile,
        field: `${knob[0]} (layer ${layer.name})`,
        expected: `io: stream beside ${knob[0]} (globally or in the same layers entry)`,
        found: `io: parallel, ${knob[0]}: ${knob[1]}`,
      });
    }
    return layer;
  }
  const inp = layerInput(layer);
  const out = layerOutput(layer);
  const input = beatFormat(inp.elements, inp.bits, cfg.elementsPerBeat);
  const output = beatFormat(out.elements, out.bits, cfg.elementsPerBeat);
  // A core that already gives beats (lut_linear groups through its beat FIFO) needs no serializer.
  const nativeOutput = 'beatOutput' in layer && layer.beatOutput !== undefined;
  const inputBuffer = planInputBuffer(layer, input, cfg, configFile);
  // A core reading the buffer has no holding register of its own (MAC: a cycle less).
  const saved = inputBuffer.storage === 'block' ? (layer.inputWords?.latencySaved ?? 0) : 0;
  const timing = { ...layer.timing, latency: layer.timing.latency - saved };
  const top = `${layer.modules.top}_stream`;
  return {
    ...layer,
    timing,
    stream: {
      top,
      modules: { input: `${top}_in`, output: `${top}_out` },
      input,
      output,
      nativeOutput,
      timing: streamTiming(timing, input.beats, output.beats, nativeOutput),
      inputBuffer,
    },
  };
}

/**
 * A layer with a stream wrapper (or whole-vector ports) in a chain, `frames` vectors: each input
 * beat is taken when offered (`arrivals`; null: the design's input, B_in beats back to back from
 * reset, a vector every port II). The wrapper's vector is complete with its last beat and offered
 * to the core the cycle after (a whole-vector port's in the cycle it comes), which takes it then or
 * one core II after the vector before; its first output beat is valid L_core later (+ 1 through a
 * serializer), the others at `beatOffsets` after it (a beat FIFO's; null: back to back). The model
 * takes every beat when it is offered: a vector's beats that come before the core took the one
 * before would wait in the assembler (docs/architecture.md "Pixel FIFO", the last paragraph).
 */
export function wrapperSchedule(layer: LayerPlan, arrivals: readonly number[] | null, frames: number, beatOffsets: readonly number[] | null): { takes: number[]; outputs: number[] } {
  const s = layer.stream;
  const inBeats = s?.input.beats ?? 1;
  const outBeats = s?.output.beats ?? 1;
  const port = layerPortTiming(layer);
  const offsets = beatOffsets ?? Array.from({ length: outBeats }, (_, k) => k);
  const takes: number[] = [];
  const outputs: number[] = [];
  let coreTake = -Infinity;
  for (let n = 0; n < frames; n++) {
    for (let k = 0; k < inBeats; k++) takes.push(arrivals ? arrivals[n * inBeats + k] : n * port.initiationInterval + k);
    const last = takes[takes.length - 1];
    coreTake = Math.max(s ? last + 1 : last, coreTake + layer.timing.initiationInterval);
    const first = coreTake + layer.timing.latency + (s && !s.nativeOutput ? 1 : 0);
    for (const o of offsets) outputs.push(first + o);
  }
  return { takes, outputs };
}

/**
 * The cycles (from the first) of the beats a beat FIFO gives (plan beatOutput; docs/architecture.md
 * "Beat FIFO"): a group's beats back to back, groups `steps` cycles apart (one table read or MAC
 * step per cycle per group).
 */
export function beatFifoCycles(b: BeatOutputPlan | undefined, steps: number, groups: number): number[] | null {
  if (!b) return null;
  const cycles: number[] = [];
  for (let g = 0; g < groups; g++) for (let k = 0; k < (g === groups - 1 ? b.lastGroupBeats : b.beatsPerGroup); k++) cycles.push(g * steps + k);
  return cycles;
}

/** The layer's module in the design: its stream wrapper, or its core. */
export function layerTopModule(layer: LayerPlan): string {
  return layer.stream?.top ?? layer.modules.top;
}

/** Timing at the layer's ports (the wrapper's for a stream layer). */
export function layerPortTiming(layer: LayerPlan): PortTiming {
  return layer.stream?.timing ?? layer.timing;
}

/** Bits of a layer's input or output port: one beat, or one whole vector. */
export function layerPortWidth(layer: LayerPlan, side: 'input' | 'output'): number {
  const spec = side === 'input' ? layerInput(layer) : layerOutput(layer);
  const beat = layer.stream?.[side];
  return beat ? beat.elementsPerBeat * beat.laneBits : spec.elements * spec.bits;
}

function portWords(layer: LayerPlan, side: 'input' | 'output'): string {
  const beat = layer.stream?.[side];
  return beat ? `a stream of ${beat.elementsPerBeat} elements per beat` : 'whole vectors (io: parallel)';
}

/** Consecutive layers must meet on the same port: both whole vectors, or both streams of the same beat. */
export function checkStreamChain(layers: LayerPlan[], configFile: string): void {
  for (let i = 1; i < layers.length; i++) {
    const a = layers[i - 1].stream?.output;
    const b = layers[i].stream?.input;
    if ((a?.elementsPerBeat ?? 0) === (b?.elementsPerBeat ?? 0)) continue;
    throw new LutnnError(`Layer "${layers[i].name}" cannot take the output port of layer "${layers[i - 1].name}": their io settings differ.`, {
      file: configFile,
      field: `layers.${layers[i].name} io / elements_per_beat`,
      expected: `${portWords(layers[i - 1], 'output')} (what layer "${layers[i - 1].name}" writes)`,
      found: `${portWords(layers[i], 'input')}; set io and elements_per_beat alike on neighbouring layers`,
    });
  }
}

/** Every layer's stream wrapper planned from the config, and the chain checked. */
export function planStreams(layers: LayerPlan[], hw: HwConfig): LayerPlan[] {
  const planned = layers.map((l) => planLayerStream(l, layerConfig(hw, l.name), hw.source));
  checkStreamChain(planned, hw.source);
  return planned;
}

/** A design port: the layer's stream, its beats on byte lanes at an AXI4-Stream top (one beat per vector for a parallel layer there). */
export function designPort(spec: StreamSpec, beat: BeatFormat | undefined, axi: boolean): PortSpec {
  if (!axi) return beat ? { ...spec, beat } : spec;
  const b = beat ?? beatFormat(spec.elements, spec.bits, spec.elements);
  return { ...spec, beat: { ...b, laneBits: byteLaneBits(spec.bits) } };
}

/** The beats of a design port, a parallel port being one beat of every element. */
export function portBeats(port: PortSpec): BeatFormat {
  return port.beat ?? { elementsPerBeat: port.elements, beats: 1, laneBits: port.bits };
}

/** Names of the design top's ports, as the testbenches drive them. */
export interface TopPortNames {
  clk: string;
  rst: string;
  inValid: string;
  inReady: string;
  inData: string;
  /** AXI4-Stream only: tlast of the input (driven on each vector's last beat) and of the output (checked). */
  inLast?: string;
  outValid: string;
  outReady: string;
  outData: string;
  outLast?: string;
}

export const AXI_PORTS: TopPortNames = {
  clk: 'aclk',
  rst: 'aresetn',
  inValid: 's_axis_tvalid',
  inReady: 's_axis_tready',
  inData: 's_axis_tdata',
  inLast: 's_axis_tlast',
  outValid: 'm_axis_tvalid',
  outReady: 'm_axis_tready',
  outData: 'm_axis_tdata',
  outLast: 'm_axis_tlast',
};

export const NATIVE_PORTS: TopPortNames = {
  clk: 'clk_i',
  rst: 'rst_ni',
  inValid: 'in_valid_i',
  inReady: 'in_ready_o',
  inData: 'in_data_i',
  outValid: 'out_valid_o',
  outReady: 'out_ready_i',
  outData: 'out_data_o',
};

export function topPortNames(design: DesignPlan): TopPortNames {
  return design.axiStream ? AXI_PORTS : NATIVE_PORTS;
}
