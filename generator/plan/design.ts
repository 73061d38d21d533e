/**
 * Plans a whole design: every layer of an artifact under one hardware configuration, chained
 * output to input over valid/ready streams when there is more than one.
 */
import type { Artifact } from '../artifact/types.ts';
import { layerConfig, unknownOverrideNames, type HwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { TOOL } from '../version.ts';
import { checkLimit, count, formatBytes, SIZE_LIMITS } from '../util/size-limits.ts';
import { artifactKindOf } from '../kinds/registry.ts';
import { layerInput, layerOutput } from './layer-io.ts';
import { planLoadMap } from './load-map.ts';
import { planChain } from './chain.ts';
import { designPort, layerTopModule, planStreams } from './stream.ts';
import { PLAN_VERSION, type DesignPlan, type LayerPlan } from './types.ts';

export interface PlanOptions {
  /** The manifest path as the user gave it (recorded for regeneration and reports). */
  manifest: string;
  /** The exact command that regenerates the design. */
  regenerateCommand: string;
  /** Plan past the size limits (util/size-limits.ts). */
  force?: boolean;
}

/** Consecutive layers must agree on the stream between them: count, width and scale. */
function checkChain(layers: LayerPlan[], file: string): void {
  for (let i = 1; i < layers.length; i++) {
    const out = layerOutput(layers[i - 1]);
    const inp = layerInput(layers[i]);
    const mismatch =
      out.elements !== inp.elements ? ['elements', `${inp.elements}`, `${out.elements}`] :
      out.bits !== inp.bits ? ['bits', `INT${inp.bits}`, `INT${out.bits}`] :
      out.scale !== inp.scale ? ['scale', `${inp.scale}`, `${out.scale}`] : null;
    if (mismatch) {
      const [what, expected, found] = mismatch;
      throw new LutnnError(`Layer "${layers[i].name}" cannot take the output of layer "${layers[i - 1].name}": the ${what} differ.`, {
        file,
        field: `layers[${i}] (${layers[i].name}) input versus layers[${i - 1}] (${layers[i - 1].name}) output`,
        expected: `${what} ${expected} (what layer "${layers[i].name}" reads)`,
        found: `${what} ${found} (what layer "${layers[i - 1].name}" writes)${what === 'elements' ? '' : '; a "requant" layer between them converts the format'}`,
      });
    }
  }
}

export function planDesign(artifact: Artifact, hw: HwConfig, options: PlanOptions): DesignPlan {
  const names = artifact.layers.map((l) => l.name);
  const unknown = unknownOverrideNames(hw, names);
  if (unknown.length > 0) {
    throw new LutnnError('The hardware config overrides a layer the artifact does not have.', {
      file: hw.source,
      field: `layers.${unknown[0]}`,
      expected: `one of the artifact's layers: ${names.join(', ')}`,
      found: JSON.stringify(unknown[0]),
    });
  }
  // Before any table is built: C·K·M entries are held several times over while planning.
  const entries = artifact.layers.reduce((n, l) => n + artifactKindOf(l).tableEntries(l), 0);
  checkLimit(`The lookup tables (${count(entries)} entries, about ${formatBytes(entries * 32)} while planning)`, entries, SIZE_LIMITS.tableEntries, {
    force: options.force,
    file: artifact.manifestPath,
    field: 'layers (num_codebooks × num_centroids × out_features)',
    unit: (n) => `${count(n)} table entries`,
    advice: 'check the layer sizes',
  });
  const layers: LayerPlan[] = artifact.layers.map((layer) => {
    const prefix = `${artifact.name}_${layer.name}`;
    const cfg = layerConfig(hw, layer.name);
    return artifactKindOf(layer).plan(layer, cfg, prefix, artifact.manifestPath);
  });
  checkChain(layers, artifact.manifestPath);
  return assembleDesign(artifact, options, hw, layers, layers.length > 1 ? `${artifact.name}_top` : null);
}

/** The design plan around checked, chained layers: their stream ports, provenance, top, port formats, whole-design timing. */
export function assembleDesign(artifact: Artifact, options: PlanOptions, hw: HwConfig, cores: LayerPlan[], modelTop: string | null): DesignPlan {
  const streamed = planLoadMap(planStreams(cores, hw));
  const { load } = streamed;
  // The chain's schedule sizes the pixel FIFOs in front of windowed layers and gives the design's timing.
  const { layers, timing } = planChain(streamed.layers);
  // A windowed layer's scan starts at reset, and the testbench writes the tables after reset: the
  // scan would be ahead by the writes, which the chain's timing cannot know.
  const windowed = layers.find((l) => l.stream?.nativeInput);
  if (load && windowed) {
    throw new LutnnError('Writable tables in a design with a convolution or pooling layer are not built yet.', {
      file: hw.source,
      field: 'table_storage',
      expected: `table_storage: rom in a design with layer "${windowed.name}" (${windowed.kind})`,
      found: `table_storage: ram on layer "${load.regions[0].layer}"`,
    });
  }
  const first = layers[0];
  const last = layers[layers.length - 1];
  const inner = modelTop ?? layerTopModule(first);
  const axi = hw.axiStream ? { top: `${inner}_axis`, inner } : undefined;
  return {
    planVersion: PLAN_VERSION,
    tool: TOOL,
    artifact: { name: artifact.name, sha256: artifact.sha256, manifest: options.manifest },
    regenerateCommand: options.regenerateCommand,
    reset: hw.reset,
    top: axi?.top ?? inner,
    modelTop,
    io: { input: designPort(layerInput(first), first.stream?.input, !!axi), output: designPort(layerOutput(last), last.stream?.output, !!axi) },
    ...(load ? { load } : {}),
    ...(axi ? { axiStream: axi } : {}),
    timing,
    layers,
  };
}
