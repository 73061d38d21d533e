/**
 * The seam between a lut_linear layer and its encoder, the unit that turns each input sub-vector
 * into a centroid index (docs/architecture.md, "Encoders").
 *
 * The layer owns everything around the encoder: the encoder shell captures an input vector and
 * steps it through E encode steps of P_c lanes (shifting), addresses the step ROM when the encoder
 * has one, and instantiates the encoder unit; the unit's indices go into the index buffer. Every
 * encoder plan carries what the layer reads at that seam (EncoderSeam); the rest of an encoder's
 * plan is its own (encoders/<kind>/types.ts). Adding an encoder: a folder encoders/<kind>/, its
 * plan in the EncoderPlan union below, its artifact form in LutLinearEncoder (artifact/types.ts),
 * and one line in encoders/registry.ts; the compiler lists what its definition still lacks.
 */
import type { CcsPlan } from './ccs/types.ts';
import type { HashTreePlan } from './hash-tree/types.ts';

/**
 * A ROM addressed by the encode step: one word per step, read when lanes are time-shared over
 * E > 1 encode steps (the CCS's centroids, a hash tree's thresholds). Distributed, synchronous
 * read; the shell addresses it so that its registered word lines up with the step's sub-vectors.
 */
export interface StepRomPlan {
  module: string;
  /** Bits per word (everything the P_c lanes need for one step). */
  width: number;
  /** Words: E. */
  depth: number;
  addressWidth: number;
  file: string;
  /**
   * What the shell addresses the ROM with. `next-step`: the next step (`step_d`, behind the accept
   * logic), so the registered word arrives with the step's sub-vectors. `step`: the step register
   * itself, so nothing but a flop drives the ROM's wide address fan-out; the word arrives a cycle
   * after the sub-vectors, and the unit registers them once to meet it (`pipeline: max`).
   */
  address: 'next-step' | 'step';
  /**
   * A RAM written through the design's load port (table_storage: ram, with an encoder whose
   * step-ROM contents a loaded model may change: EncoderDefinition.writableStepRom), else a ROM.
   */
  writable: boolean;
  /**
   * Block RAM or logic (LUT RAM, flops): set by the layer's planner (plan/lut-linear.ts
   * deepMemoryStyle; `memory_style: distributed` keeps it in logic). The encoder plans `distributed`.
   */
  style: 'block' | 'distributed';
}

/** What every encoder plan has: the fields the layer (shell, index buffer, timing) reads. */
export interface EncoderSeam<K extends string> {
  kind: K;
  /** The encoder unit the shell instantiates (ports: clk_i, rst_ni, valid_i, sub_i, [step ROM word], valid_o, idx_o). */
  module: string;
  /** Bits of one codebook's index (the index buffer stores P_c of them per step). */
  indexWidth: number;
  /** Cycles from a step's sub-vectors entering the unit to their indices leaving it. */
  latency: number;
  /** The per-step parameter ROM when lanes are time-shared (E > 1), or null (parameters are constants). */
  stepRom: StepRomPlan | null;
}

/** Every encoder a lut_linear layer can have: the closest-centroid search and MADDNESS's hash tree. */
export type EncoderPlan = CcsPlan | HashTreePlan;
export type EncoderKind = EncoderPlan['kind'];
export type EncoderPlanOf<K extends EncoderKind> = Extract<EncoderPlan, { kind: K }>;
