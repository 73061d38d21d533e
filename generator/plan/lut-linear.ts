/**
 * Planner for a lut_linear layer: artifact layer + hardware knobs → LutLinearPlan. With the
 * encoder's planner (encoders/<kind>/plan.ts, through the encoder registry) this is the only place
 * the layer's widths, memory layouts and latencies are decided.
 */
import type { LutLinearLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { indexBits, makeRequantizer, MAX_EXACT_BITS, signedBitsFor, signedMax, signedMin } from '../numeric/fixed.ts';
import { encoderFor, encoderOf } from '../encoders/registry.ts';
import { quantizeBias, quantizeTable } from './table.ts';
import { beatFormat } from './beats.ts';
import { planBeatOutTiming, planTiming, popcount, REQUANT_LATENCY, treeStages } from './timing.ts';
import type { BeatOutputPlan, IndexBufferPlan, LutLinearModuleNames, LutLinearPlan } from './types.ts';

/** Table banks of at least this many bits go to block RAM when memory_style is auto (one iCE40 EBR). */
export const AUTO_BLOCK_BITS = 4096;
/** Memories whose word count is below this stay out of block RAM under `auto` where width alone would send them there (MAC weights, stream input lanes). */
export const AUTO_BLOCK_DEPTH = 64;

export function moduleNames(prefix: string): LutLinearModuleNames {
  return {
    top: `${prefix}_top`,
    encoder: `${prefix}_encoder`,
    indexBuffer: `${prefix}_index_buffer`,
    accumulator: `${prefix}_accumulator`,
    tableRom: `${prefix}_table_rom`,
    biasRom: `${prefix}_bias_rom`,
    requant: `${prefix}_requant`,
    outFifo: `${prefix}_out_fifo`,
  };
}

/** A beat FIFO of `depth` vectors of `bits`-bit elements: its words, and its storage by the memory_style rule. */
export function sizeBeatFifo(beats: Omit<BeatOutputPlan, 'fifoWords' | 'style'>, depth: number, bits: number, knob: LayerHwConfig['memoryStyle']): BeatOutputPlan {
  const fifoWords = depth * beats.beats;
  return { ...beats, fifoWords, style: memoryStyleOf(knob, fifoWords * beats.elementsPerBeat * bits) };
}

/**
 * A memory whose words are read one per cycle by an address (MAC weights, an encoder's step ROM):
 * the knob, or with `auto` block RAM from AUTO_BLOCK_BITS and AUTO_BLOCK_DEPTH words on, since a
 * wide and shallow memory would take a block RAM per few dozen bits of its width.
 */
export function deepMemoryStyle(knob: LayerHwConfig['memoryStyle'], width: number, depth: number): 'block' | 'distributed' {
  return knob === 'auto' ? (width * depth >= AUTO_BLOCK_BITS && depth >= AUTO_BLOCK_DEPTH ? 'block' : 'distributed') : knob;
}

/** A memory's implementation: the knob, or with `auto` block RAM from AUTO_BLOCK_BITS on. */
export function memoryStyleOf(knob: LayerHwConfig['memoryStyle'], bits: number): 'block' | 'distributed' {
  return knob === 'auto' ? (bits >= AUTO_BLOCK_BITS ? 'block' : 'distributed') : knob;
}

/**
 * The index buffer's storage: the knob, or with `auto` block RAM when its banks hold at least
 * AUTO_BLOCK_DEPTH groups. Below that a block RAM holds little (a group is P_c indices, so a
 * shallow buffer is as many block RAMs as its width needs); above, the shifting banks cost a flop
 * and a multiplexer LUT per bit.
 */
export function planIndexBuffer(knob: LayerHwConfig['indexBuffer'], banks: number, steps: number, groupBits: number): IndexBufferPlan {
  const stepBits = steps > 1 ? indexBits(steps) : 0;
  const depth = banks * 2 ** stepBits;
  const used = banks * steps;
  const deep = used >= AUTO_BLOCK_DEPTH;
  const reason = knob !== 'auto' ? `index_buffer: ${knob}` : `auto: ${used} groups, ${deep ? 'at least' : 'below'} the ${AUTO_BLOCK_DEPTH} that fill block RAM`;
  const storage = knob === 'auto' ? (deep ? 'block' : 'registers') : knob;
  return { storage, reason, width: groupBits, stepBits, depth, addressWidth: indexBits(depth) };
}

function resolveParallelism(requested: number | 'all', total: number): number {
  return requested === 'all' ? total : Math.min(requested, total);
}

/** Range of the accumulator: a bias in [biasLo, biasHi] plus C table entries, each anywhere in the signed b_t range. */
function accumulatorRange(biasLo: number, biasHi: number, C: number, tableBits: number): [number, number] {
  return [biasLo + C * signedMin(tableBits), biasHi + C * signedMax(tableBits)];
}

export function planLutLinear(layer: LutLinearLayer, hw: LayerHwConfig, prefix: string, file: string): LutLinearPlan {
  const { inFeatures: D, outFeatures: M, numCodebooks: C, numCentroids: K, subvectorLen: V } = layer;
  const Pc = resolveParallelism(hw.codebooksPerCycle, C);
  const Pm = resolveParallelism(hw.outputsPerCycle, M);
  const E = Math.ceil(C / Pc);
  const G = Math.ceil(M / Pm);

  const maxPipe = hw.pipeline === 'max';
  // The encoder first: its errors (e.g. distances past the exact range) come before the table's.
  const encoderDef = encoderFor(layer.encoder);
  const planned = encoderDef.plan({ layer, encoder: layer.encoder, hw, prefix, file, lanes: Pc, steps: E });
  // table_storage: ram also makes the step ROM writable where the encoder allows it. Its storage:
  // memory_style names the tables' storage, so `block` there leaves the step ROM to the auto rule.
  const step = planned.stepRom;
  const encoder = step
    ? {
        ...planned,
        stepRom: {
          ...step,
          writable: hw.tableStorage === 'ram' && encoderDef.writableStepRom,
          style: deepMemoryStyle(hw.memoryStyle === 'block' ? 'auto' : hw.memoryStyle, step.width, step.depth),
        },
      }
    : planned;

  const table = quantizeTable(layer);
  const bias = quantizeBias(layer, table.scale, file);
  let biasLo = 0;
  let biasHi = 0;
  for (const b of bias) {
    biasLo = Math.min(biasLo, b);
    biasHi = Math.max(biasHi, b);
  }
  // Writable tables (table_storage: ram): any table of b_t-bit entries, and any bias of up to the
  // magnitude of C of them, fits the widths planned here (docs/hw-config.md "Writable tables").
  const ram = hw.tableStorage === 'ram';
  if (ram) {
    // The bias memory holds any value of its width, so the accumulator is sized for all of them.
    const width = signedBitsFor(Math.min(biasLo, C * signedMin(layer.tableBits)), Math.max(biasHi, C * signedMax(layer.tableBits)));
    biasLo = signedMin(width);
    biasHi = signedMax(width);
  }
  const accRange = accumulatorRange(biasLo, biasHi, C, layer.tableBits);
  const accWidth = signedBitsFor(accRange[0], accRange[1]);

  const realMultiplier = table.scale / layer.output.scale;
  const rq = makeRequantizer(realMultiplier, hw.multiplierBits);
  const round = rq.shift > 0 ? 2 ** (rq.shift - 1) : 0;
  const productWidth = signedBitsFor(accRange[0] * rq.multiplier, accRange[1] * rq.multiplier);
  const roundedWidth = signedBitsFor(accRange[0] * rq.multiplier + round, accRange[1] * rq.multiplier + round);
  if (roundedWidth > MAX_EXACT_BITS) {
    throw new LutnnError(`Requantizer of layer "${layer.name}" would need ${roundedWidth} bits.`, {
      file,
      field: `layers.${layer.name}.multiplier_bits (hardware config)`,
      expected: `accumulator (${accWidth} bits) × multiplier + rounding within ${MAX_EXACT_BITS} bits`,
      found: `table scale ${table.scale} / output scale ${layer.output.scale} = ${realMultiplier.toPrecision(4)} as multiplier ${rq.multiplier} (${rq.multiplierBits} bits), shift ${rq.shift}; lower multiplier_bits, or check output.scale`,
    });
  }

  // Max pipelining: the requantizer's constant multiply is a registered adder tree of shifted
  // accumulators (one per set multiplier bit, plus the rounding constant), then a registered
  // range test, then the saturating select (emit/lut-linear/small-units.ts).
  const requantLatency = maxPipe ? treeStages(popcount(rq.multiplier) + (rq.shift > 0 ? 1 : 0)) + 2 : REQUANT_LATENCY;
  // The table ROM outputs registered once more, then a registered adder tree over the P_c entries.
  const sumStages = maxPipe ? 1 + Math.ceil(Math.log2(Pc)) : 0;
  // Max pipelining also registers the output FIFO's push (its write enables fan out to M·b flops).
  // io: stream — groups leave as beats when a group is whole beats and drains before the next one.
  const outBeat = hw.io === 'stream' ? beatFormat(M, layer.output.bits, hw.elementsPerBeat) : null;
  const beatsPerGroup = outBeat ? Pm / outBeat.elementsPerBeat : 0;
  const native = outBeat !== null && Number.isInteger(beatsPerGroup) && beatsPerGroup <= E;
  const timing = native ? planBeatOutTiming(E, G, encoder.latency, requantLatency, sumStages, beatsPerGroup) : planTiming(E, G, encoder.latency, requantLatency, sumStages, maxPipe ? 1 : 0);
  const beatOutput = native
    ? sizeBeatFifo(
        { elementsPerBeat: outBeat!.elementsPerBeat, beatsPerGroup, lastGroupBeats: Math.ceil((M - (G - 1) * Pm) / outBeat!.elementsPerBeat), beats: outBeat!.beats },
        timing.outFifoDepth,
        layer.output.bits,
        hw.memoryStyle,
      )
    : undefined;
  const tableWidth = Pm * layer.tableBits;
  const tableDepth = G * E * K;
  const tableStyle = memoryStyleOf(hw.memoryStyle, tableWidth * tableDepth);
  const biasWidth = signedBitsFor(biasLo, biasHi);
  const modules = moduleNames(prefix);

  return {
    kind: 'lut_linear',
    name: layer.name,
    modules,
    dims: { D, M, C, K, V },
    activation: layer.activation,
    pipeline: maxPipe ? 'max' : 'standard',
    input: { ...layer.input },
    output: { ...layer.output },
    parallel: { codebooksPerCycle: Pc, outputsPerCycle: Pm, encodeSteps: E, outputGroups: G },
    ...(beatOutput ? { beatOutput } : {}),
    // The encoder reads one step's P_c sub-vectors per cycle, the first in the cycle it takes a
    // vector; it is done with a vector before the writer can reach it again, so two banks suffice.
    inputWords: { wordElements: Pc * V, words: E, banks: 2, readAtTake: 'taken', latencySaved: 0 },
    encoder,
    table: { bits: layer.tableBits, scale: table.scale, values: table.values },
    bias: { values: bias, width: biasWidth },
    accumulator: { width: accWidth, range: accRange },
    requant: { ...rq, precisionBits: hw.multiplierBits, productWidth, roundedWidth, realMultiplier },
    memory: {
      table: {
        style: tableStyle,
        storage: ram ? 'ram' : 'rom',
        banks: Pc,
        width: tableWidth,
        depth: tableDepth,
        addressWidth: indexBits(tableDepth),
        fileStem: `${prefix}_table_bank`,
      },
      bias: { width: Pm * biasWidth, depth: G, addressWidth: indexBits(G), file: `${prefix}_bias.memh` },
      index: planIndexBuffer(hw.indexBuffer, timing.indexBanks, E, Pc * encoder.indexWidth),
    },
    timing,
  };
}

/**
 * A lut_linear plan with another artifact layer's table and bias (table_storage: ram; `lutnn sim
 * --load`). The hardware stays: shapes, formats, activation and the requantizer (built for the
 * table scale) must be the plan's, and the bias must fit the planned bias width. The encoder takes
 * what its step RAM holds (the hash tree's columns and thresholds) and refuses any other change
 * (EncoderDefinition.reload).
 */
export function reloadLutLinear(plan: LutLinearPlan, layer: LutLinearLayer, file: string): LutLinearPlan {
  if (!writableTables(plan)) return plan;
  const field = (f: string) => `layers.${layer.name}.${f}`;
  const refuse = (f: string, expected: string, found: string): never => {
    throw new LutnnError(`Layer "${layer.name}" cannot be loaded into the design: the ${f} differs.`, { file, field: field(f), expected: `${expected} (what the design was generated for)`, found });
  };
  const { D, M, C, K, V } = plan.dims;
  const dims = { in_features: [D, layer.inFeatures], out_features: [M, layer.outFeatures], num_codebooks: [C, layer.numCodebooks], num_centroids: [K, layer.numCentroids], subvector_len: [V, layer.subvectorLen], 'table bits': [plan.table.bits, layer.tableBits] } as const;
  for (const [name, [want, got]] of Object.entries(dims)) if (want !== got) refuse(name, String(want), String(got));
  for (const side of ['input', 'output'] as const) {
    const want = plan[side];
    const got = layer[side];
    if (want.bits !== got.bits || want.scale !== got.scale) refuse(side, `INT${want.bits}, scale ${want.scale}`, `INT${got.bits}, scale ${got.scale}`);
  }
  if (layer.activation !== plan.activation) refuse('activation', plan.activation, layer.activation);
  const table = quantizeTable(layer);
  if (Math.abs(table.scale - plan.table.scale) > 1e-12 * plan.table.scale) {
    refuse('table scale', `${plan.table.scale}: the requantizer's multiplier is built for it; give the lut as integers with table.scale ${plan.table.scale}`, String(table.scale));
  }
  const bias = quantizeBias(layer, plan.table.scale, file);
  const [lo, hi] = [signedMin(plan.bias.width), signedMax(plan.bias.width)];
  const out = bias.findIndex((b) => b < lo || b > hi);
  if (out >= 0) refuse('bias', `every bias within INT${plan.bias.width} in table units [${lo}, ${hi}]`, `bias[${out}] = ${bias[out]}`);
  if (layer.encoder.kind !== plan.encoder.kind) refuse('encoder.kind', plan.encoder.kind, layer.encoder.kind);
  const encoder = encoderOf(plan.encoder).reload({ layer: plan, encoder: plan.encoder, loaded: layer, loadedEncoder: layer.encoder, file });
  return { ...plan, encoder, table: { ...plan.table, values: table.values }, bias: { ...plan.bias, values: bias } };
}

/** Whether the layer's tables and bias are written through the load port (table_storage: ram). */
export function writableTables(plan: LutLinearPlan): boolean {
  return plan.memory.table.storage === 'ram';
}

/** The bias is a memory (not constants) with several output groups, or when it is writable. */
export function hasBiasMemory(plan: LutLinearPlan): boolean {
  return plan.parallel.outputGroups > 1 || writableTables(plan);
}
