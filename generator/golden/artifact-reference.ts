/**
 * An integer reference of a design computed from the artifact's tensors, not from the plan.
 *
 * The golden model and the RTL both read the plan, so a wrong plan (a wrapped norm, a misquantized
 * table, a wrong requantizer) passes the RTL-versus-golden check unnoticed. This reference starts
 * again from what the user gave (centroids, table or weight, bias, formats; the nnlut tables in
 * real units) and applies docs/number-formats.md a second time, in BigInt, with its own rounding
 * helpers and the true distances ||a − p||² / Σ|a − p| / max|a − p| instead of the hardware's
 * ||p||² − 2·a·p. Only the hardware knob `multiplier_bits` (plan requant.precisionBits) is read
 * from the plan, because it is a choice of implementation, not a number the artifact holds.
 *
 * Per artifact layer kind (`reference` in kinds/registry.ts): reference/lut-linear.ts, with the
 * encoder's own reference (encoders/<kind>/reference.ts), and reference/nnlut.ts.
 *
 * `lutnn sim` and the property tests compare the golden model with it layer by layer.
 */
import type { Artifact } from '../artifact/types.ts';
import { artifactKindOf, layerKindOf, plannedBy } from '../kinds/registry.ts';
import type { DesignPlan, LayerPlan } from '../plan/types.ts';
import { runLayer } from './design.ts';

/** The integers of one layer computed from the artifact: one input vector in, one output vector out. */
export interface LayerReference {
  run(x: Int32Array): Int32Array;
}

export interface ReferenceDisagreement {
  layer: string;
  vector: number;
  lane: number;
  /** What the artifact reference computes, and what the golden model (the plan) computes. */
  reference: number;
  golden: number;
}

export interface ReferenceCheck {
  /** Layers checked (those with an artifact counterpart). */
  layers: string[];
  /** Layers the reference does not cover (the MAC baseline), with the reason. */
  skipped: string[];
  disagreement: ReferenceDisagreement | null;
}

/**
 * Runs the golden model layer by layer on `inputs` (N·D) and compares each layer's outputs with the
 * artifact reference fed the same layer inputs. The first disagreement is reported.
 */
export function checkGoldenAgainstArtifact(design: DesignPlan, artifact: Artifact, inputs: Int32Array): ReferenceCheck {
  const layers: string[] = [];
  const skipped: string[] = [];
  let x = inputs;
  for (const plan of design.layers) {
    const y = runLayer(plan, x);
    const ref = artifactReference(artifact, plan);
    if (typeof ref === 'string') {
      skipped.push(`${plan.name} (${ref})`);
    } else {
      layers.push(plan.name);
      const D = layerKindOf(plan).io(plan).input;
      const M = y.length / (x.length / D);
      for (let n = 0; n < x.length / D; n++) {
        const r = ref.run(x.subarray(n * D, (n + 1) * D));
        for (let m = 0; m < M; m++) {
          if (r[m] !== y[n * M + m]) return { layers, skipped, disagreement: { layer: plan.name, vector: n, lane: m, reference: r[m], golden: y[n * M + m] } };
        }
      }
    }
    x = y;
  }
  return { layers, skipped, disagreement: null };
}

/** The reference of a planned layer from the artifact layer it was planned from, or why there is none. */
function artifactReference(artifact: Artifact, plan: LayerPlan): LayerReference | string {
  const notInArtifact = layerKindOf(plan).notInArtifact;
  if (notInArtifact !== null) return notInArtifact;
  const layer = artifact.layers.find((l) => l.name === plan.name);
  if (!layer) return 'no layer of that name and kind in the artifact';
  const kind = artifactKindOf(layer);
  return plannedBy(kind, plan) ? kind.reference(layer, plan) : 'no layer of that name and kind in the artifact';
}
