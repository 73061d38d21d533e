/**
 * The planned-hardware intermediate representation. The planner (lut-linear.ts) is the only
 * place that derives widths, latencies and memory contents; the golden model, the Verilog
 * emitters, the testbench and the reports read them from here and never recompute them.
 * Serialised next to the generated RTL as plan.json (see serialize.ts).
 */
import type { Activation, Metric, StreamFormat } from '../artifact/types.ts';
import type { MemoryStyle, ResetStyle } from '../config/hw-config.ts';
import type { LayerTiming } from './timing.ts';

export const PLAN_VERSION = 1;

/** Names of the Verilog modules of one lut_linear layer (one module per file, file = name + `.v`). */
export interface LutLinearModuleNames {
  top: string;
  encoder: string;
  ccs: string;
  centroidRom: string;
  indexBuffer: string;
  accumulator: string;
  tableRom: string;
  biasRom: string;
  requant: string;
  outFifo: string;
}

export interface CcsPlan {
  /** `constant`: one codebook per CCS lane for the whole vector (E = 1), centroids are literals.
   *  `rom`: lanes are time-shared over E encode steps; centroids come from a small ROM. */
  centroidStorage: 'constant' | 'rom';
  /** Quantized centroids (C, K, V), in input-scale units, row-major. */
  centroids: Int32Array;
  /** ||p||² per centroid (C, K); only meaningful for the l2 metric (zeros otherwise). */
  norms: Int32Array;
  /** Unsigned width of a norm constant. */
  normWidth: number;
  /** Signed width in which every distance value (and every intermediate, modulo 2^w) is computed. */
  distanceWidth: number;
  /** Exact range of the distance values over all inputs and centroids (for tests and docs). */
  distanceRange: [number, number];
  /** Width of a centroid index: ceil(log2 K), at least 1. */
  indexWidth: number;
  /** Depth of the argmin comparator tree: ceil(log2 K). */
  treeDepth: number;
  /** Tree levels (1-based) after which a pipeline register sits. The last level is always one. */
  treeRegisteredLevels: number[];
  /** Cycles from a sub-vector entering the CCS to its index leaving it. */
  latency: number;
}

export interface TableMemoryPlan {
  style: Exclude<MemoryStyle, 'auto'>;
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

export interface LutLinearPlan {
  kind: 'lut_linear';
  name: string;
  modules: LutLinearModuleNames;
  dims: { D: number; M: number; C: number; K: number; V: number };
  metric: Metric;
  activation: Activation;
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
  ccs: CcsPlan;
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
  requant: {
    multiplier: number;
    shift: number;
    multiplierBits: number;
    /** Signed width of acc · multiplier. */
    productWidth: number;
    /** Signed width of acc · multiplier + rounding constant, before the shift. */
    roundedWidth: number;
    /** Real multiplier the integer pair approximates: table.scale / output.scale. */
    realMultiplier: number;
  };
  memory: {
    table: TableMemoryPlan;
    /** Bias ROM: G words of P_m·bias.width bits, distributed. */
    bias: { width: number; depth: number; addressWidth: number; file: string };
    /** Centroid ROM (only for centroidStorage = rom): E words, distributed. */
    centroids: { width: number; depth: number; addressWidth: number; file: string } | null;
  };
  timing: LayerTiming;
}

/** A stream between units: `elements` signed integers of `bits` bits, real value = scale · q. */
export interface StreamSpec {
  elements: number;
  bits: number;
  scale: number;
}

/** Every kind of planned layer (one today; nnlut and others join this union). */
export type LayerPlan = LutLinearPlan;

/** Whole-design timing: the chain's latency adds up, its throughput is its slowest layer's. */
export interface DesignTiming {
  latency: number;
  initiationInterval: number;
  watchdogCycles: number;
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
  io: { input: StreamSpec; output: StreamSpec };
  timing: DesignTiming;
  layers: LayerPlan[];
}
