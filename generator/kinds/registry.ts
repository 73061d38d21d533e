/**
 * The registry of layer kinds: every piece of a layer kind, one entry per kind. Nothing else
 * branches on a layer's kind; call sites go through `layerKindOf(plan)` (planned layers) and
 * `artifactKindOf(layer)` (artifact layers).
 *
 * Two tables, because the artifact and the plan have different kinds: an artifact layer kind
 * (`Layer['kind']`: lut_linear, lut_conv2d, maxpool2d, avgpool2d, nnlut; `requant` and `relu` are loaded as nnlut) is planned into a
 * plan kind (`LayerPlan['kind']`), and some plan kinds come from elsewhere (`mac_linear`, the
 * MAC baseline `lutnn compare` plans from a lut_linear layer).
 *
 * The compiler keeps both complete. A kind added to the LayerPlan union (plan/types.ts) without a
 * line in LAYER_KINDS is reported as `Property '<kind>' is missing in type '{ lut_linear: …; … }'
 * but required in type 'LayerKindRegistry'`; one added to the artifact's Layer union without a
 * line in ARTIFACT_KINDS (and in PlannedAs) likewise; and a kind's definition (kinds/<kind>.ts)
 * missing a member is reported at that definition as `Property '<member>' is missing in type
 * '{ … }' but required in type 'LayerKindDefinition<…>'` (test/kinds/registry.test.ts).
 */
import type { Layer } from '../artifact/types.ts';
import type { LayerHwConfig } from '../config/hw-config.ts';
import type { GeneratedFile } from '../emit/common/context.ts';
import type { LayerReference } from '../golden/artifact-reference.ts';
import type { FloatReference } from '../golden/float-reference.ts';
import type { AvgPool2dPlan, DesignPlan, LayerPlan, LutConv2dPlan, LutLinearPlan, MaxPool2dPlan, NnlutPlan } from '../plan/types.ts';
import type { UnitEstimate } from '../synth/estimate-units.ts';
import type { Target } from '../synth/targets.ts';
import { lutConv2dArtifactKind, lutConv2dKind } from './lut-conv2d.ts';
import { lutLinearArtifactKind, lutLinearKind } from './lut-linear.ts';
import { macLinearKind } from './mac-linear.ts';
import { maxPool2dArtifactKind, maxPool2dKind } from './maxpool2d.ts';
import { avgPool2dArtifactKind, avgPool2dKind } from './avgpool2d.ts';
import { nnlutArtifactKind, nnlutKind } from './nnlut.ts';

export type LayerKind = LayerPlan['kind'];
export type LayerPlanOf<K extends LayerKind> = Extract<LayerPlan, { kind: K }>;
export type ArtifactLayerKind = Layer['kind'];
export type ArtifactLayerOf<K extends ArtifactLayerKind> = Extract<Layer, { kind: K }>;

/** A ROM whose implementation the plan chose (synthesis checks that block ones land in block RAM). */
export interface PlannedMemory {
  module: string;
  style: 'block' | 'distributed';
  /** Written through the load port (table_storage: ram): on an ASIC target a block one is an SRAM macro (synth/sram.ts). */
  writable?: boolean;
  /** Words and bits of one instance (for the SRAM tiling). */
  words?: number;
  bits?: number;
}

/** A memory written through the design's table load port; `contents` are the layer's own words (lane 0 at the LSB). */
export interface WritableMemory {
  memory: string;
  words: number;
  width: number;
  addressWidth: number;
  contents(): bigint[];
}

/**
 * A layer's first vectors (frames) in a chain, in cycles from the first cycle after reset
 * (plan/chain.ts): the cycle each input beat is taken and each output beat is valid, frame by frame.
 */
export interface ChainSchedule {
  takes: number[];
  outputs: number[];
}

/** Every piece of one planned layer kind. */
export interface LayerKindDefinition<P extends LayerPlan> {
  /** Elements of the layer's input and output streams (their formats are the plan's `input` and `output`; plan/layer-io.ts). */
  io(layer: P): { input: number; output: number };
  /** Golden model: outputs (N·M) for inputs (N·D), bit-exact with the RTL. */
  golden(layer: P, inputs: Int32Array): Int32Array;
  /** Every file of the layer (Verilog modules, memory files), in a fixed order. */
  emit(design: DesignPlan, layer: P): GeneratedFile[];
  /** Test vectors (N·D) for a design whose first layer this is, seeded. */
  vectors(design: DesignPlan, layer: P, count: number, seed: number): Int32Array;
  /** Analytic resources and timing per module (synth/estimate.ts). */
  estimate(layer: P, target: Target): UnitEstimate[];
  /** The ROMs whose style the plan chose. */
  memories(layer: P): PlannedMemory[];
  /** Memories written through the table load port (hw.yaml table_storage: ram), in address order; [] when none. */
  writable(layer: P): WritableMemory[];
  /**
   * The layer's first `frames` vectors in a chain (plan/chain.ts): `arrivals` are the cycles each
   * of their input beats is offered, from the first cycle after reset (null: the design's input,
   * offered as fast as the layer takes them).
   */
  schedule(layer: P, arrivals: readonly number[] | null, frames: number): ChainSchedule;
  /**
   * Windowed kinds: the layer with a pixel FIFO of `depth` in front of its scan (plan/chain.ts
   * sizes it so that the layer before never waits). Absent: the kind takes a beat when offered.
   */
  withInputFifo?(layer: P, fifo: { depth: number; reason: string }): P;
  /** Windowed kinds: the layer with its frames started at most every `period` cycles (the design's first layer, plan/chain.ts). */
  withFramePeriod?(layer: P, period: number): P;
  /** One line of `lutnn gen-rtl`'s summary: what the layer is and how fast it runs. */
  describe(layer: P): string;
  /**
   * null: planned from the artifact layer of the same name (whose kind is planned as this one), so
   * the artifact reference checks it; otherwise why the artifact reference does not cover this kind.
   */
  notInArtifact: string | null;
}

/** The plan kind each artifact layer kind becomes. */
export interface PlannedAs {
  lut_linear: LutLinearPlan;
  lut_conv2d: LutConv2dPlan;
  maxpool2d: MaxPool2dPlan;
  avgpool2d: AvgPool2dPlan;
  nnlut: NnlutPlan;
}

/** Every piece of one artifact layer kind. */
export interface ArtifactKindDefinition<L extends Layer, P extends LayerPlan> {
  /** The plan kind this artifact kind is planned as. */
  planKind: P['kind'];
  /** Table entries the planner holds for the layer (checked against the size limit before planning). */
  tableEntries(layer: L): number;
  /** Planner: artifact layer + hardware knobs → plan. `prefix` is `<model>_<layer>`, `file` the manifest (for errors). */
  plan(layer: L, hw: LayerHwConfig, prefix: string, file: string): P;
  /** Float reference for error reports: the trained layer as its framework computes it. */
  float(layer: L): FloatReference;
  /**
   * The planned layer with another artifact layer's contents in its writable memories (`lutnn sim
   * --load`; table_storage: ram), the rest of the hardware unchanged: refuses a layer the fixed
   * hardware cannot compute (other shapes, formats, a table scale the requantizer was not built
   * for). A layer without writable memories is returned as it is.
   */
  reload(plan: P, layer: L, file: string): P;
  /** Integer reference computed from the artifact, not the plan (it may read implementation knobs from `plan`). */
  reference(layer: L, plan: P): LayerReference;
}

export type LayerKindRegistry = { [K in LayerKind]: LayerKindDefinition<LayerPlanOf<K>> };
export type ArtifactKindRegistry = { [K in ArtifactLayerKind]: ArtifactKindDefinition<ArtifactLayerOf<K>, PlannedAs[K]> };

/** One line per planned layer kind. */
export const LAYER_KINDS: LayerKindRegistry = {
  lut_linear: lutLinearKind,
  lut_conv2d: lutConv2dKind,
  maxpool2d: maxPool2dKind,
  avgpool2d: avgPool2dKind,
  nnlut: nnlutKind,
  mac_linear: macLinearKind,
};

/** One line per artifact layer kind. */
export const ARTIFACT_KINDS: ArtifactKindRegistry = {
  lut_linear: lutLinearArtifactKind,
  lut_conv2d: lutConv2dArtifactKind,
  maxpool2d: maxPool2dArtifactKind,
  avgpool2d: avgPool2dArtifactKind,
  nnlut: nnlutArtifactKind,
};

/**
 * The definition of a planned layer's kind, typed for that layer. The cast is the registry's one:
 * TypeScript cannot correlate `LAYER_KINDS[layer.kind]` with `layer`; looking it up by the layer's
 * own kind makes it true.
 */
export function layerKindOf<P extends LayerPlan>(layer: P): LayerKindDefinition<P> {
  return LAYER_KINDS[layer.kind as LayerKind] as unknown as LayerKindDefinition<P>;
}

/** The definition of an artifact layer's kind, typed for that layer (the same one cast). */
export function artifactKindOf<L extends Layer>(layer: L): ArtifactKindDefinition<L, LayerPlan> {
  return ARTIFACT_KINDS[layer.kind as ArtifactLayerKind] as unknown as ArtifactKindDefinition<L, LayerPlan>;
}

/** Whether `plan` is of the kind `kind` plans (then `kind.reference(layer, plan)` applies). */
export function plannedBy<L extends Layer, P extends LayerPlan>(kind: ArtifactKindDefinition<L, P>, plan: LayerPlan): plan is P {
  return plan.kind === kind.planKind;
}
