/**
 * The registry of encoders: every piece of an encoder, one entry per kind (types.ts describes the
 * seam). A lut_linear layer reaches its encoder only through `encoderOf(plan.encoder)` (planned
 * layers) or `encoderFor(layer.encoder)` (artifact layers); nothing else branches on an encoder kind.
 *
 * The compiler keeps the registry complete: ENCODERS must have an entry for every kind of the
 * EncoderPlan union (types.ts), else tsc reports `Property '<kind>' is missing in type '{ ccs: … }'
 * but required in type 'EncoderRegistry'`; and an entry (`…Encoder: EncoderDefinition<…>` in
 * encoders/<kind>/index.ts) missing a member is reported as `Property '<member>' is missing in type
 * '{ … }' but required in type 'EncoderDefinition<…>'` at that entry.
 */
import type { LutLinearEncoder, LutLinearLayer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import type { GeneratedFile, HeaderParams } from '../emit/common/context.ts';
import type { PackedField } from '../emit/verilog.ts';
import type { DesignPlan, LutLinearPlan } from '../plan/types.ts';
import type { UnitEstimate } from '../synth/estimate-units.ts';
import type { Target } from '../synth/targets.ts';
import { ccsEncoder } from './ccs/index.ts';
import { hashTreeEncoder } from './hash-tree/index.ts';
import type { EncoderKind, EncoderPlan, EncoderPlanOf } from './types.ts';

/** What the layer planner hands an encoder planner. */
export interface EncoderPlanContext<A extends LutLinearEncoder> {
  layer: LutLinearLayer;
  /** The layer's encoder as the artifact describes it. */
  encoder: A;
  hw: LayerHwConfig;
  /** Module-name prefix `<model>_<layer>`. */
  prefix: string;
  /** The manifest, for errors. */
  file: string;
  /** P_c lanes (codebooks encoded per cycle) and E = ceil(C / P_c) encode steps. */
  lanes: number;
  steps: number;
}

/** What the layer emitter hands an encoder emitter. */
export interface EncoderEmitContext<P extends EncoderPlan> {
  design: DesignPlan;
  layer: LutLinearPlan;
  encoder: P;
  /** The layer's header parameters: every file of the layer lists them. */
  params: HeaderParams;
}

/**
 * How the encoder shell (templates/encoder.v.hbs) instantiates the unit: the unit's instance and
 * what comments and headers call it, and the names around the step ROM. The unit's port list is
 * fixed: clk_i, rst_ni, valid_i, sub_i [P_c·V·b_in], the step-ROM word (when the plan has a step
 * ROM; port `stepRom.port`, `params_i` for new encoders), valid_o, idx_o [P_c·indexWidth].
 */
export interface EncoderShellNames {
  /** e.g. `closest-centroid search`. */
  title: string;
  instance: string;
  stepRom: {
    /** e.g. `centroid ROM`. */
    title: string;
    /** The unit's input port for the step-ROM word. */
    port: string;
    /** The shell's wire from the ROM to that port. */
    wire: string;
    instance: string;
  };
}

export interface EncoderEmitter<P extends EncoderPlan> {
  shell: EncoderShellNames;
  /** What the encoder adds to the header parameters of every file of the layer (CCS: its metric). */
  headerParams(encoder: P): HeaderParams;
  /** The unit's Verilog modules (the unit `encoder.module` first), in a fixed order. */
  files(ctx: EncoderEmitContext<P>): GeneratedFile[];
  /** The step ROM's contents (only called when the plan has a step ROM). */
  stepRom: {
    /** The memory file's one-line description. */
    describe(layer: LutLinearPlan): string;
    /** For each encode step, the fields of its word, least significant first. */
    words(layer: LutLinearPlan, encoder: P): PackedField[][];
  };
}

/** What reloading a layer hands its encoder (`lutnn sim --load`; plan/lut-linear.ts reloadLutLinear). */
export interface EncoderReloadContext<P extends EncoderPlan, A extends LutLinearEncoder> {
  /** The planned layer the hardware was generated for. */
  layer: LutLinearPlan;
  encoder: P;
  /** The layer of the model to load, already checked for the layer's shapes and formats. */
  loaded: LutLinearLayer;
  loadedEncoder: A;
  file: string;
}

/** Every piece of one encoder kind. `P` is its plan, `A` its artifact form. */
export interface EncoderDefinition<P extends EncoderPlan, A extends LutLinearEncoder> {
  /** Plan: the encoder's part of the layer plan (widths, latency, constants, step ROM, module names). */
  plan(ctx: EncoderPlanContext<A>): P;
  /** Golden model: the index of every codebook (C) for one input vector at x[xOffset …], bit-exact with the RTL. */
  encode(layer: LutLinearPlan, encoder: P, x: ArrayLike<number>, xOffset: number, out: Int32Array): Int32Array;
  emit: EncoderEmitter<P>;
  /** Analytic estimate of the unit's modules (the shell and the step ROM are the layer's). */
  estimate(layer: LutLinearPlan, encoder: P, target: Target): UnitEstimate[];
  /**
   * Test vectors: element v of a codebook-c sub-vector that the encoder maps to index k, or that
   * lies on the boundary of its decision (the layer adds ±1 steps and random mixes around it).
   */
  vectorInput(layer: LutLinearPlan, encoder: P, c: number, k: number, v: number): number;
  /** Independent reference from the artifact, not the plan: the index of codebook c for one vector x (input-grid integers). */
  reference(layer: LutLinearLayer, encoder: A): (x: Int32Array, c: number) => number;
  /** Float reference: the index of codebook c for one real-valued vector at x[xOffset …], as the trainer computes it. */
  float(layer: LutLinearLayer, encoder: A): (x: ArrayLike<number>, xOffset: number, c: number) => number;
  /** The encoder in the layer's one-line summary (`lutnn gen-rtl` output). */
  describe(encoder: P): string;
  /**
   * Whether the step ROM becomes a RAM on the load port with table_storage: ram (its words are
   * all a loaded model may change about the encoder; the hash tree's columns and thresholds), or
   * stays a ROM. Both encoders have it: the CCS plans its datapath for any centroids when its
   * centroid ROM is writable (encoders/ccs/plan.ts).
   */
  writableStepRom: boolean;
  /**
   * The encoder as it computes with a loaded model's contents: the loaded parameters where the
   * step ROM is writable, else the plan unchanged after checking that the loaded model's are equal;
   * a LutnnError naming the field for what the fixed hardware cannot take.
   */
  reload(ctx: EncoderReloadContext<P, A>): P;
}

type ArtifactEncoderOf<K extends EncoderKind> = Extract<LutLinearEncoder, { kind: K }>;

export type EncoderRegistry = { [K in EncoderKind]: EncoderDefinition<EncoderPlanOf<K>, ArtifactEncoderOf<K>> };

/** One line per encoder kind. */
export const ENCODERS: EncoderRegistry = {
  ccs: ccsEncoder,
  hash_tree: hashTreeEncoder,
};

/**
 * The definition of a planned encoder, typed for it. The cast is the registry's one: TypeScript
 * cannot correlate `ENCODERS[encoder.kind]` with `encoder`; looking it up by the plan's own kind
 * makes it true.
 */
export function encoderOf<P extends EncoderPlan>(encoder: P): EncoderDefinition<P, LutLinearEncoder> {
  return ENCODERS[encoder.kind as EncoderKind] as unknown as EncoderDefinition<P, LutLinearEncoder>;
}

/** The definition of an artifact layer's encoder, typed for it. */
export function encoderFor<A extends LutLinearEncoder>(encoder: A): EncoderDefinition<EncoderPlan, A> {
  return ENCODERS[encoder.kind as EncoderKind] as unknown as EncoderDefinition<EncoderPlan, A>;
}
