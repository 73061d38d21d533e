/**
 * The planned-hardware intermediate representation. The planners (plan/<kind>.ts, and each
 * encoder's encoders/<kind>/plan.ts) are the only place that derives widths, latencies and memory
 * contents; the golden model, the Verilog emitters, the testbench and the reports read them from
 * here and never recompute them.
 * Serialised next to the generated RTL as plan.json (see serialize.ts).
 */
import type { Activation, Conv2dGeometry, RangeReduction, StreamFormat } from '../artifact/types.ts';
import type { MemoryStyle, ResetStyle } from '../config/hw-config.ts';
import type { EncoderPlan } from '../encoders/types.ts';
import type { LayerTiming } from './timing.ts';

/**
 * 2: l2 centroid norms as float64 (past INT32 with 16-bit inputs), requant.precisionBits.
 * 3: the encoder is a sub-unit of a lut_linear layer: `ccs` became `encoder` (kind `ccs`, with the
 *    layer's metric, the CCS module names and `stepRom`, formerly `memory.centroids`); the layer
 *    keeps `pipeline`. An older plan.json cannot be read as this shape, so it is refused.
 */
export const PLAN_VERSION = 3;

/** Names of the Verilog modules of one lut_linear layer (one module per file, file = name + `.v`); the encoder's own are in its plan. */
export interface LutLinearModuleNames {
  top: string;
  /** The encoder shell: input capture, issue over E steps, step ROM, the encoder unit. */
  encoder: string;
  indexBuffer: string;
  accumulator: string;
  tableRom: string;
  biasRom: string;
  requant: string;
  outFifo: string;
}

/** Requantizer of an accumulator: acc · multiplier, rounding shift, saturation (number-formats.md §4). */
export interface RequantPlan {
  multiplier: number;
  shift: number;
  /** Bits of the multiplier constant. */
  multiplierBits: number;
  /** The precision knob it was chosen with (hw.yaml multiplier_bits): the largest shift keeps the multiplier below 2^precisionBits. */
  precisionBits: number;
  /** Signed width of acc · multiplier. */
  productWidth: number;
  /** Signed width of acc · multiplier + rounding constant, before the shift. */
  roundedWidth: number;
  /** Real multiplier the integer pair approximates: table (or weight) scale / output scale. */
  realMultiplier: number;
}

/**
 * One writable memory in the design's load map (plan/load-map.ts): words `base … base + words − 1`
 * of the load port's address space, each written as the low `width` bits of the port's data.
 */
export interface LoadRegion {
  /** What it holds: `table bank <j>` or `bias`. */
  memory: string;
  base: number;
  words: number;
  width: number;
  /** Address bits of the memory itself; the region is aligned to 2^addressWidth words. */
  addressWidth: number;
}

/** The design's table load port (hw.yaml table_storage: ram): one write per cycle, every writable memory in one address space. */
export interface LoadMapPlan {
  addressWidth: number;
  dataWidth: number;
  regions: (LoadRegion & { layer: string })[];
}

export interface TableMemoryPlan {
  style: Exclude<MemoryStyle, 'auto'>;
  /** `rom`: contents fixed at generation; `ram`: written through the load port (the generated contents are the power-up ones). */
  storage: 'rom' | 'ram';
  /** One bank per codebook lane (P_c banks). */
  banks: number;
  /** Bits per word: P_m entries of tableBits. */
  width: number;
  /** Words per bank: G·E·K. Word (g·E + e)·K + k of bank j holds T[e·P_c + j][k][g·P_m + l] in lane l. */
  depth: number;
  addressWidth: number;
  /** Memory file of bank j: `${fileStem}${j}.memh`. */
  fileStem: string;
}

/**
 * A port that moves a vector in beats (hw.yaml `io: stream`): element e is lane e mod P of beat
 * floor(e / P), lane l at bits [l·laneBits +: laneBits]; a short last beat's lanes past the vector are 0.
 */
export interface BeatFormat {
  /** Elements per beat P (at most the vector's elements). */
  elementsPerBeat: number;
  /** Beats per vector ceil(elements / P). */
  beats: number;
  /** Bits a lane occupies on the bus: the element's bits (packed), or its bytes · 8 at an AXI4-Stream top. */
  laneBits: number;
}

/** Timing at a layer's (or a design's) own ports: latency from the first input beat's handshake to the first output beat. */
export interface PortTiming {
  latency: number;
  initiationInterval: number;
  watchdogCycles: number;
}

/**
 * How a core can read its input from a banked buffer instead of a whole-vector port (set by the
 * kind's planner; plan/stream.ts decides whether the buffer is used): one word of `wordElements`
 * elements per step, `words` words per vector.
 */
export interface InputWordsPlan {
  wordElements: number;
  words: number;
  /** Vectors the buffer holds: one being filled, one waiting and, for a core that reads a vector after taking the next, one being read. */
  banks: number;
  /**
   * Which bank a read issued in the cycle the core takes a vector addresses: `taken` (the core
   * reads the new vector's first word at once; lut_linear's encoder) or `current` (that cycle's
   * read still belongs to the vector before; the MAC array's last read).
   */
  readAtTake: 'taken' | 'current';
  /** Cycles the core's latency drops by with the buffer: its own holding register is the buffer (MAC: 1). */
  latencySaved: number;
}

/** The input buffer of a stream layer (hw.yaml input_buffer): the assembler's register, or banked block RAM. */
export type InputBufferPlan =
  | { storage: 'registers'; /** Why not block RAM, when the knob was auto or the kind cannot read words. */ reason: string }
  | {
      storage: 'block';
      banks: number;
      /** Words per vector, and elements per word (one core step). */
      words: number;
      wordElements: number;
      wordBits: number;
      /** Beats per word; a word's beats are written to lanes 0 … beatsPerWord−1 of its address. */
      beatsPerWord: number;
      /** Bits of the word index the core drives (0 when a vector is one word). */
      wordAddressBits: number;
      /** Words of each lane memory (banks · 2^wordAddressBits) and total bits of storage. */
      depth: number;
      bits: number;
      readAtTake: 'taken' | 'current';
    };

/**
 * A layer with `io: stream` (plan/stream.ts): `top` wraps the layer's parallel core (its kind's
 * `modules.top`) between an input assembler (beats → vector) and an output serializer (vector → beats).
 */
export interface LayerStreamPlan {
  /** The wrapper: the layer's top module in the design. */
  top: string;
  modules: { input: string; output: string };
  input: BeatFormat;
  output: BeatFormat;
  /** The core already gives beats (a lut_linear layer's `beatOutput`): no output serializer. */
  nativeOutput: boolean;
  /**
   * The layer's own module takes and gives beats (a lut_conv2d layer: a pixel per beat), so there
   * is no wrapper, assembler or serializer; `top` is the layer's module.
   */
  nativeInput?: boolean;
  /** Timing at the beat ports; the core's own is the layer's `timing`. */
  timing: PortTiming;
  /** Where the input beats are assembled; with `block` the core reads words from it (no whole-vector input port). */
  inputBuffer: InputBufferPlan;
}

/** What every layer plan may carry, whatever its kind. */
export interface LayerPlanCommon {
  /** Present when the layer's ports are streams (hw.yaml io: stream); absent for whole-vector ports. */
  stream?: LayerStreamPlan;
  /** table_storage: ram — the layer's regions of the design's load map (lut_linear: table banks 0 … P_c−1, then bias). */
  load?: LoadRegion[];
  /** The kind can read its input a word per step from a banked stream buffer (absent: whole vectors only). */
  inputWords?: InputWordsPlan;
}

export interface LutLinearPlan extends LayerPlanCommon {
  kind: 'lut_linear';
  name: string;
  modules: LutLinearModuleNames;
  dims: { D: number; M: number; C: number; K: number; V: number };
  activation: Activation;
  /** hw.yaml `pipeline`: `max` also pipelines the encoder (its own plan says how), the table sums, the requantizers and the FIFO input. */
  pipeline: 'standard' | 'max';
  input: StreamFormat;
  output: StreamFormat;
  parallel: {
    /** Codebooks per cycle P_c. */
    codebooksPerCycle: number;
    /** Outputs per cycle P_m. */
    outputsPerCycle: number;
    /** Encode steps per vector E = ceil(C / P_c). */
    encodeSteps: number;
    /** Output groups per vector G = ceil(M / P_m). */
    outputGroups: number;
  };
  /** The encoder sub-unit (encoders/types.ts): sub-vectors in, one index per codebook out. */
  encoder: EncoderPlan;
  table: {
    bits: number;
    /** Real value of one table LSB (also the accumulator's LSB). */
    scale: number;
    /** Quantized table (C, K, M), row-major. */
    values: Int32Array;
  };
  bias: {
    /** Bias in accumulator units (M). */
    values: Int32Array;
    width: number;
  };
  accumulator: { width: number; range: [number, number] };
  requant: RequantPlan;
  /**
   * io: stream with P_m a multiple of the output's elements_per_beat (and at most E beats per group):
   * the groups leave as beats through a beat FIFO (templates/beat_fifo.v.hbs) instead of being
   * assembled into whole vectors; the stream wrapper then adds no serializer (plan/stream.ts).
   */
  beatOutput?: BeatOutputPlan;
  memory: {
    table: TableMemoryPlan;
    /** Bias ROM: G words of P_m·bias.width bits, distributed (a RAM, even for one group, with `storage: ram`). */
    bias: { width: number; depth: number; addressWidth: number; file: string };
    index: IndexBufferPlan;
  };
  timing: LayerTiming;
}

/**
 * Storage of the index buffer between the encoder and the accumulator (hw.yaml index_buffer;
 * templates/index_buffer.v.hbs): `registers`, one shifting register per bank; `block`, one memory
 * of `depth` words, bank b's step-s group at address b·2^stepBits + s, read a cycle ahead.
 */
export interface IndexBufferPlan {
  storage: 'registers' | 'block';
  /** Why this storage (the knob, or the auto rule's measure). */
  reason: string;
  /** Bits of one word: one step's P_c indices. */
  width: number;
  /** Bits of the step part of an address: indexBits(E), or 0 for one step. */
  stepBits: number;
  /** Words: banks · 2^stepBits (banks · E of them used). */
  depth: number;
  addressWidth: number;
}

/** A stream output's beat FIFO (templates/beat_fifo.v.hbs): the core pushes P_m-element groups, the FIFO gives beats. */
export interface BeatOutputPlan {
  elementsPerBeat: number;
  /** Beats of a full group (P_m / P) and of the last group (ceil((M − (G−1)·P_m) / P)). */
  beatsPerGroup: number;
  lastGroupBeats: number;
  /** Beats per vector ceil(M / P). */
  beats: number;
  /** FIFO words (beats): outFifoDepth vectors. */
  fifoWords: number;
  style: 'block' | 'distributed';
}

/** A stream between units: `elements` signed integers in one format (real value = scale · q). */
export interface StreamSpec extends StreamFormat {
  elements: number;
}

/** Module names of an nnlut unit. */
export interface NnlutModuleNames {
  top: string;
  lane: string;
  outFifo: string;
}

/**
 * Cycle-exact timing of an nnlut unit (docs/architecture.md): the unit takes a vector, feeds
 * L lanes per cycle over S = ceil(E/L) steps through a P-stage lane pipeline and assembles the
 * results into an output FIFO of whole vectors. latency = S + P + 1, II = S.
 */
export interface NnlutTiming {
  latency: number;
  initiationInterval: number;
  /** Output FIFO depth (whole vectors): floor(latency / II) + 1, at least 2. */
  outFifoDepth: number;
  /** Register stages of a lane's datapath. */
  laneLatency: number;
  watchdogCycles: number;
}

export interface NnlutPlan extends LayerPlanCommon {
  kind: 'nnlut';
  name: string;
  modules: NnlutModuleNames;
  /** Function the table approximates (informational), or null. */
  function: string | null;
  /** E elements per vector; N segments of the table. */
  dims: { elements: number; segments: number };
  input: StreamFormat;
  output: StreamFormat;
  rangeReduction: RangeReduction;
  parallel: {
    /** Lanes L: elements evaluated per cycle. */
    lanes: number;
    /** Steps per vector S = ceil(E / L). */
    steps: number;
  };
  /** Which of the four datapath cuts hold a register (the output one always does). */
  pipeline: { stages: number; afterCompare: boolean; afterSelect: boolean; afterMultiply: boolean };
  table: {
    /** Comparator thresholds (N−1) on the operand, clamped to [domain lo, domain hi + 1]. */
    breakpoints: Int32Array;
    slopes: Int32Array;
    intercepts: Int32Array;
    /** F: accumulator fraction bits below the output LSB. */
    fracBits: number;
    coefficientBits: number;
    slopeWidth: number;
    interceptWidth: number;
    /** Range of the comparator operand (x, or the normalised m). */
    domain: [number, number];
    /** Largest output shift k of the range reduction (0 without). */
    maxShift: number;
  };
  datapath: {
    /** Exact range and width of S·m + T. */
    accRange: [number, number];
    accWidth: number;
    /** Width in which the multiply-add is computed (≥ accWidth, slope, intercept and operand widths). */
    macWidth: number;
    /** Signed width of acc·2^k + 2^(F−1). */
    roundedWidth: number;
  };
  timing: NnlutTiming;
}

/** Module names of a mac_linear layer (the dense INT8 multiply-accumulate baseline). */
export interface MacLinearModuleNames {
  /** Input holding register, MAC array and accumulators; instantiates the units below. */
  top: string;
  weightRom: string;
  /** The lut_linear layer's requantizer and output FIFO (emit/common/), so a comparison measures the arithmetic only. */
  requant: string;
  outFifo: string;
}

/**
 * The conventional baseline of a lut_linear layer (docs/synthesis.md): y = requant(Σ_d x_d·w[d][m] + bias)
 * with INT8 symmetric per-tensor weights, on an array of P_d × P_m multipliers. Same ports and the
 * same outputs per cycle (and initiation interval) as the lut_linear layer it is compared with.
 */
export interface MacLinearPlan extends LayerPlanCommon {
  kind: 'mac_linear';
  name: string;
  modules: MacLinearModuleNames;
  dims: { D: number; M: number };
  activation: Activation;
  input: StreamFormat;
  output: StreamFormat;
  parallel: {
    /** Input elements multiplied per cycle P_d. */
    inputsPerCycle: number;
    /** Outputs per cycle P_m. */
    outputsPerCycle: number;
    /** Input steps per vector S = ceil(D / P_d). */
    inputSteps: number;
    /** Output groups per vector G = ceil(M / P_m). */
    outputGroups: number;
  };
  weights: {
    bits: number;
    /** Real value of one weight LSB. */
    scale: number;
    /** Quantized dense weights (D, M), row-major. */
    values: Int32Array;
    /** `weight`: the artifact's LUT-NN weight (C, V, M) reshaped to (D, M); `lut-least-squares`: fitted from centroids and table. */
    source: 'weight' | 'lut-least-squares';
  };
  bias: { values: Int32Array; width: number };
  accumulator: { width: number; range: [number, number] };
  requant: RequantPlan;
  /** io: stream, as the lut_linear layer's: each group leaves through the same beat FIFO (at most S beats per group). */
  beatOutput?: BeatOutputPlan;
  memory: {
    /** Weight ROM: word g·S + s holds w[s·P_d + i][g·P_m + l] at lane i·P_m + l. */
    weights: { style: 'block' | 'distributed'; banks: number; width: number; depth: number; addressWidth: number; file: string };
  };
  timing: LayerTiming;
}

/** Module names of a lut_conv2d layer: the window generator and the layer top; the patch core's are in `core.modules`. */
export interface LutConv2dModuleNames {
  /** Pixel beats in, output-pixel beats out: the window generator feeding the patch core. */
  top: string;
  window: string;
}

/**
 * The sliding-window generator of a lut_conv2d layer (templates/conv_window.v.hbs;
 * docs/architecture.md "The hardware of a lut_conv2d layer"). It scans the zero-padded image
 * (Hp × Wp positions, raster order), one position per step: a padding position takes no input, an
 * image position one pixel beat. Line buffers hold the kh − 1 rows above, window registers the
 * kw − 1 columns to the left; at an emitting position the patch (kh × kw pixels, the newest
 * included) is loaded into the patch register the core reads.
 */
export interface ConvWindowPlan extends Conv2dGeometry {
  /** Padded image: height + 2·ph rows, width + 2·pw columns. */
  paddedHeight: number;
  paddedWidth: number;
  /** Output image: floor((Hp − kh) / sh) + 1 rows, likewise columns. */
  outHeight: number;
  outWidth: number;
  /** Per padded row / column: whether it is padding, and whether a patch ends there (its last row / column). */
  rowPad: boolean[];
  colPad: boolean[];
  rowEmit: boolean[];
  colEmit: boolean[];
  /** Bits of one pixel: inChannels · b_in. */
  pixelBits: number;
  /** The value a padding position feeds in every channel: 0 (a convolution's zeros), or the format's minimum (max pooling, where padding never wins). */
  padValue: number;
  /** Bits of the line buffers ((kh − 1) rows × Wp pixels) and flops of the window registers (kh × (kw − 1) pixels). */
  lineBufferBits: number;
  /**
   * Storage of the line buffers (hw.yaml input_buffer for a windowed layer): flops, or one block
   * RAM per row (Wp words of a pixel), read a cycle ahead at the next step's column.
   */
  lineStorage: { storage: 'registers' | 'block'; reason: string };
  windowBits: number;
  /**
   * Cycles between two patches (the core's II): the generator loads a patch only that many cycles
   * after the one before, and starts a frame only then, so every frame has the same schedule.
   */
  patchInterval: number;
  /**
   * A queue of pixels in front of the scan (docs/architecture.md "Pixel FIFO"), sized by the chain
   * (plan/design.ts) so that the layer before never waits: absent when every pixel is taken in the
   * cycle it comes (the first layer, or a layer whose scan always waits for its input).
   */
  inputFifo?: { module: string; depth: number; reason: string };
  /**
   * The design's first layer only, when a later layer is slower (docs/architecture.md "Pixel
   * FIFO"): a frame's first step comes at least this many cycles after the one before (the chain's
   * II), so the layers before the slowest one never run ahead of it. Absent: no such wait.
   */
  framePeriod?: number;
}

/** Timing of a lut_conv2d layer at its pixel ports (plan/lut-conv2d.ts `convSchedule`). */
export interface ConvTiming extends PortTiming {
  /** Frame-relative cycles of the scan: the first image pixel's step, the first patch's load, the frame's length (= II). */
  firstPixelStep: number;
  firstPatchStep: number;
  frameCycles: number;
}

/**
 * A LUT-NN convolution (docs/architecture.md "The hardware of a lut_conv2d layer"): the window
 * generator in front of a lut_linear core planned from the patch layer (`core`, parallel ports),
 * which computes one output pixel (out_channels elements) per patch. The layer's ports are streams
 * by nature: a pixel (in_channels elements) per input beat, an output pixel per output beat; a
 * frame is the layer's vector (H·W·C_in elements in, OH·OW·M out, pixels in raster order,
 * channels fastest).
 */
export interface LutConv2dPlan extends LayerPlanCommon {
  kind: 'lut_conv2d';
  name: string;
  modules: LutConv2dModuleNames;
  window: ConvWindowPlan;
  core: LutLinearPlan;
  input: StreamFormat;
  output: StreamFormat;
  timing: ConvTiming;
}

/**
 * Max pooling (docs/architecture.md "The hardware of a maxpool2d layer"): the window generator
 * (padding at the format's minimum, a patch per cycle) in front of a registered maximum per
 * channel. Ports as a convolution's: a pixel per beat in and out, a frame per vector.
 */
export interface MaxPool2dPlan extends PoolPlanCommon {
  kind: 'maxpool2d';
}

/** What the pools share (plan/pool.ts): the window generator in front of a per-channel unit. */
export interface PoolPlanCommon extends LayerPlanCommon {
  name: string;
  modules: { top: string; window: string };
  window: ConvWindowPlan;
  input: StreamFormat;
  output: StreamFormat;
  timing: ConvTiming;
}

/**
 * The rounded mean of N values as a multiply and shift (plan/avgpool2d.ts, docs/number-formats.md
 * "Average pooling"): x = 2·sum + offset (never negative, `xBits` wide), mean = ((x · multiplier)
 * >> shift) − 2^(b−1), exact for every sum of N INT b values.
 */
export interface MeanDivider {
  divisor: number;
  offset: number;
  multiplier: number;
  shift: number;
  xBits: number;
  productBits: number;
}

/**
 * Average pooling (docs/architecture.md "The hardware of a maxpool2d or avgpool2d layer"): the
 * window generator (zero padding, a patch per cycle) in front of a registered rounded mean per
 * channel. Ports as a convolution's.
 */
export interface AvgPool2dPlan extends PoolPlanCommon {
  kind: 'avgpool2d';
  mean: MeanDivider;
}

/** Every kind of planned layer. */
export type LayerPlan = LutLinearPlan | LutConv2dPlan | MaxPool2dPlan | AvgPool2dPlan | NnlutPlan | MacLinearPlan;

/** Whole-design timing: the chain's latency adds up, its throughput is its slowest layer's. */
export interface DesignTiming extends PortTiming {
  /**
   * Intervals between the first vectors' outputs where they are not yet the II (a chain of
   * windowed layers, docs/architecture.md "In a chain"): output 1 comes startupIntervals[0] after
   * output 0, and so on; after them every II. Absent when every interval is the II.
   */
  startupIntervals?: number[];
}

/** A design port: its vectors, and their beats when the port is a stream (absent: one whole vector per handshake). */
export interface PortSpec extends StreamSpec {
  beat?: BeatFormat;
}

export interface DesignPlan {
  planVersion: typeof PLAN_VERSION;
  tool: { name: string; version: string };
  artifact: { name: string; sha256: string; manifest: string };
  /** Command that regenerates the design, as printed in every file header. */
  regenerateCommand: string;
  reset: ResetStyle;
  /** Top-level module name: the layer's top for one layer, a generated chain otherwise. */
  top: string;
  /** Module chaining the layers, or null when the design is a single layer. */
  modelTop: string | null;
  /** The design's input and output streams. */
  io: { input: PortSpec; output: PortSpec };
  /** hw.yaml table_storage: ram on some layer — the table load port's address map. */
  load?: LoadMapPlan;
  /** hw.yaml axi_stream: `top` is an AXI4-Stream wrapper (emit/stream/) around `inner`, the chain's own top. */
  axiStream?: { top: string; inner: string };
  timing: DesignTiming;
  layers: LayerPlan[];
}
