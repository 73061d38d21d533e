/**
 * `lutnn sim --inputs x.npy [--reference y.npy] [--labels l.npy]`: a user's own inputs through the
 * design, and the design's float output against the training framework's. The inputs are real
 * values (any dtype), quantized with the design's input format exactly as number-formats.md §1
 * says; the reference is what the trained model computed on the same inputs (e.g. PyTorch logits).
 */
import { finiteRows, readNpy } from '../generator/convert/numpy.ts';
import { LutnnError } from '../generator/errors.ts';
import type { DesignPlan } from '../generator/plan/types.ts';
import { argmaxRows } from '../generator/util/arrays.ts';
import { quantizeInputs } from './datasets.ts';

export interface UserInputs {
  /** Real inputs (N·D) and their quantization (N·D). */
  real: Float64Array;
  quantized: Int32Array;
  count: number;
  /** Fraction of input elements clipped by the input format (outside its range after rounding). */
  saturatedFraction: number;
}

export async function readUserInputs(file: string, design: DesignPlan): Promise<UserInputs> {
  const a = await readNpy(file, 'input vectors');
  const { elements: D, scale } = design.io.input;
  const count = finiteRows(a, D, { file, what: 'input array', columns: `the design's ${D} inputs`, allowVector: true });
  const quantized = quantizeInputs(design, a.data);
  // Clipped: the rounded value lay outside INT b (an element exactly at a limit is not).
  let saturated = 0;
  for (let i = 0; i < quantized.length; i++) if (Math.abs(a.data[i] / scale - quantized[i]) > 0.5) saturated++;
  return { real: a.data, quantized, count, saturatedFraction: saturated / quantized.length };
}

export async function readReference(file: string, design: DesignPlan, count: number): Promise<Float64Array> {
  const a = await readNpy(file, 'reference outputs');
  const n = finiteRows(a, design.io.output.elements, { file, what: 'reference array', columns: `the design's ${design.io.output.elements} outputs`, allowVector: true });
  if (n !== count) throw new LutnnError('The reference outputs do not match the inputs.', { file, expected: `${count} rows (one per input vector)`, found: `${n} rows` });
  return a.data;
}

export async function readLabels(file: string, classes: number, count: number): Promise<Int32Array> {
  const a = await readNpy(file, 'labels');
  if (a.shape.length !== 1 || a.shape[0] !== count) throw new LutnnError('The labels do not match the inputs.', { file, expected: `shape (${count}): one class per input vector`, found: `shape (${a.shape.join(', ')})` });
  const bad = a.data.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= classes);
  if (bad >= 0) throw new LutnnError('A label is not a class index of the design.', { file, field: `labels[${bad}]`, expected: `an integer in [0, ${classes - 1}]`, found: String(a.data[bad]) });
  return Int32Array.from(a.data);
}

export interface OutputComparison {
  maxAbsError: number;
  /** sqrt(Σ e² / Σ ref²). */
  relativeRmsError: number;
  /** Fraction of rows whose argmax equals the reference's. */
  argmaxAgreement: number;
}

/** `values` (N·M, real units) against `reference` (N·M). */
export function compareOutputs(values: ArrayLike<number>, reference: ArrayLike<number>, width: number): OutputComparison {
  let maxAbs = 0;
  let sq = 0;
  let refSq = 0;
  for (let i = 0; i < reference.length; i++) {
    const e = values[i] - reference[i];
    maxAbs = Math.max(maxAbs, Math.abs(e));
    sq += e * e;
    refSq += reference[i] * reference[i];
  }
  const a = argmaxRows(values, width);
  const b = argmaxRows(reference, width);
  let agree = 0;
  for (let n = 0; n < a.length; n++) if (a[n] === b[n]) agree++;
  return { maxAbsError: maxAbs, relativeRmsError: refSq > 0 ? Math.sqrt(sq / refSq) : Math.sqrt(sq), argmaxAgreement: agree / a.length };
}

