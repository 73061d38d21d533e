/** Plans a whole design: every layer of an artifact under one hardware configuration. */
import type { Artifact } from '../artifact/types.ts';
import { layerConfig, unknownOverrideNames, type HwConfig } from '../config/hw-config.ts';
import { LutnnError } from '../errors.ts';
import { TOOL } from '../version.ts';
import { planLutLinear } from './lut-linear.ts';
import { PLAN_VERSION, type DesignPlan } from './types.ts';

export interface PlanOptions {
  /** The manifest path as the user gave it (recorded for regeneration and reports). */
  manifest: string;
  /** The exact command that regenerates the design. */
  regenerateCommand: string;
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
  if (artifact.layers.length !== 1) {
    // Chaining layers into a model top needs boundary-format planning that is not built yet.
    throw new LutnnError('Only single-layer artifacts can be turned into RTL so far.', {
      file: artifact.manifestPath,
      field: 'layers',
      expected: 'exactly one layer',
      found: `${artifact.layers.length} layers (${names.join(', ')})`,
    });
  }
  const layers = artifact.layers.map((layer) =>
    planLutLinear(layer, layerConfig(hw, layer.name), `${artifact.name}_${layer.name}`, artifact.manifestPath),
  );
  return {
    planVersion: PLAN_VERSION,
    tool: TOOL,
    artifact: { name: artifact.name, sha256: artifact.sha256, manifest: options.manifest },
    regenerateCommand: options.regenerateCommand,
    reset: hw.reset,
    top: layers[0].modules.top,
    layers,
  };
}
