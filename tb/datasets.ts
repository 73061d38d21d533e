/**
 * Named datasets for `lutnn sim --dataset`: real inputs (quantized to the design's input format)
 * with labels, so simulation reports classification accuracy next to bit-exactness.
 */
import { LutnnError } from '../generator/errors.ts';
import { loadMnist, PIXELS } from '../generator/datasets/mnist.ts';
import { quantize } from '../generator/numeric/fixed.ts';
import type { DesignPlan } from '../generator/plan/types.ts';
import { argmaxRows } from '../generator/util/arrays.ts';

export const DATASETS = ['mnist-test', 'mnist-train', 'mnist-all'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface Dataset {
  name: DatasetName;
  /** Real-valued inputs (N·D) and labels (N). */
  images: Float64Array;
  labels: Int32Array;
  count: number;
}

export function loadDataset(name: string, design: DesignPlan): Dataset {
  if (!(DATASETS as readonly string[]).includes(name)) {
    throw new LutnnError('Unknown dataset.', { field: '--dataset', expected: DATASETS.join(', '), found: JSON.stringify(name) });
  }
  if (design.io.input.elements !== PIXELS) {
    throw new LutnnError('The dataset does not fit the design input.', { field: '--dataset', expected: `a design with ${PIXELS} inputs (28×28 pixels)`, found: `${design.io.input.elements} inputs` });
  }
  if (design.io.output.elements !== 10) {
    throw new LutnnError('The dataset does not fit the design output.', { field: '--dataset', expected: 'a design with 10 outputs (one score per digit)', found: `${design.io.output.elements} outputs` });
  }
  const split = loadMnist();
  const set = name === 'mnist-test' ? split.test : name === 'mnist-train' ? split.train : split.all;
  return { name: name as DatasetName, ...set };
}

/** Inputs quantized to the design's input format (round half to even, saturate). */
export function quantizeInputs(design: DesignPlan, images: Float64Array): Int32Array {
  const { scale, bits } = design.io.input;
  return Int32Array.from(images, (x) => quantize(x, scale, bits));
}

/** Fraction of rows whose argmax (ties → lowest index) equals the label. */
export function accuracy(outputs: ArrayLike<number>, labels: Int32Array, classes: number): number {
  const predicted = argmaxRows(outputs, classes);
  let ok = 0;
  for (let n = 0; n < labels.length; n++) if (predicted[n] === labels[n]) ok++;
  return ok / labels.length;
}
