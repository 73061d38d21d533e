/**
 * Error of the quantized layer (golden model = RTL, bit for bit) against the float reference:
 * float centroids, float table and bias, evaluated on the dequantized test inputs. Report only;
 * never part of pass/fail.
 */
import type { Artifact } from '../generator/artifact/types.ts';
import { floatArtifact } from '../generator/golden/float-reference.ts';
import type { DesignPlan } from '../generator/plan/types.ts';

export interface FloatErrorReport {
  manifest: string;
  maxAbsError: number;
  meanAbsError: number;
  /** RMS error divided by the RMS of the float outputs. */
  relativeRmsError: number;
  /** Fraction of outputs at the INT b_out limits. */
  saturatedFraction: number;
}

/** The design's outputs (`out`, N·M integers for `inputs`) against its artifact's float model. */
export function floatErrorReport(design: DesignPlan, inputs: Int32Array, out: Int32Array, artifact: Artifact): FloatErrorReport {
  const ref = floatArtifact(artifact);
  const { input, output } = design.io;
  const D = input.elements;
  const M = output.elements;
  const lim = 2 ** (output.bits - 1);
  let maxAbs = 0;
  let sumAbs = 0;
  let sumSq = 0;
  let refSq = 0;
  let saturated = 0;
  const count = inputs.length / D;
  for (let n = 0; n < count; n++) {
    const x = Float64Array.from(inputs.subarray(n * D, (n + 1) * D), (q) => q * input.scale);
    const y = ref.run(x);
    for (let m = 0; m < M; m++) {
      const q = out[n * M + m];
      if (q === lim - 1 || q === -lim) saturated++;
      const e = Math.abs(q * output.scale - y[m]);
      maxAbs = Math.max(maxAbs, e);
      sumAbs += e;
      sumSq += e * e;
      refSq += y[m] * y[m];
    }
  }
  const total = count * M;
  return {
    manifest: artifact.manifestPath,
    maxAbsError: maxAbs,
    meanAbsError: sumAbs / total,
    relativeRmsError: refSq > 0 ? Math.sqrt(sumSq / refSq) : 0,
    saturatedFraction: saturated / total,
  };
}
