/**
 * The topology file of a LUT-NN state-dict import (docs/convert-and-import.md, "Topology file"):
 * what a state dict does not say. blink-mm's AMMConv2d stores exactly the tensors of AMMLinear
 * (ops/amm_conv2d.py), and neither holds the image size, so the file names, per LUT layer, whether
 * it is a convolution and its kernel, stride and padding, and the first image's size:
 *
 *   input: { height: 8, width: 8 }
 *   layers:
 *     c1: { kind: conv2d, kernel_size: [3, 3], stride: [1, 1], padding: [1, 1] }
 *     fc: { kind: linear }
 *
 * A dense CNN for `lutnn convert` lists every step in order, the ones without tensors too:
 * batchnorm2d (folded into the convolution before it), relu, maxpool2d, avgpool2d,
 * global_avgpool2d (AdaptiveAvgPool2d(1): the whole image) and flatten (PyTorch's NCHW order before
 * a linear layer).
 */
import { isMap, isScalar, parseDocument, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { LutnnError } from '../errors.ts';
import { readInputText } from '../util/read-input.ts';
import { MAX_KERNEL, pair } from '../artifact/schema.ts';
import { strictObject, zodIssuesToError } from '../util/zod-errors.ts';

const conv = strictObject({
  kind: z.literal('conv2d'),
  kernel_size: pair(1, MAX_KERNEL),
  stride: pair(1, MAX_KERNEL).default([1, 1]),
  padding: pair(0, 14).default([0, 0]),
});
const linear = strictObject({ kind: z.literal('linear') });
const pool = <K extends 'maxpool2d' | 'avgpool2d'>(kind: K) =>
  strictObject({
    kind: z.literal(kind),
    kernel_size: pair(1, MAX_KERNEL),
    stride: pair(1, MAX_KERNEL).optional(),
    padding: pair(0, 7).default([0, 0]),
  });
const globalAvgpool = strictObject({ kind: z.literal('global_avgpool2d') });
const eps = 'a positive number (BatchNorm2d eps, 1e-5 by default)';
const batchnorm = strictObject({ kind: z.literal('batchnorm2d'), eps: z.number({ invalid_type_error: eps }).positive({ message: eps }).default(1e-5) });
const relu = strictObject({ kind: z.literal('relu') });
const flatten = strictObject({ kind: z.literal('flatten') });

const size = (what: string) => {
  const message = `the ${what} in pixels, an integer from 1 to 4096`;
  return z.number({ invalid_type_error: message }).int({ message }).min(1, { message }).max(4096, { message });
};

const topologySchema = strictObject({
  input: strictObject({ height: size('height'), width: size('width') }).optional(),
  layers: z.record(z.discriminatedUnion('kind', [conv, linear, pool('maxpool2d'), pool('avgpool2d'), globalAvgpool, batchnorm, relu, flatten])),
});

type Pair = [number, number];
/** A LUT layer's role (conv2d, linear), or a step without LUT tensors (lutnn convert's dense CNNs). */
export type TopologyLayer =
  | { kind: 'linear' }
  | { kind: 'conv2d'; kernel: Pair; stride: Pair; padding: Pair }
  | { kind: 'maxpool2d' | 'avgpool2d'; kernel: Pair; stride: Pair; padding: Pair }
  | { kind: 'global_avgpool2d' }
  | { kind: 'batchnorm2d'; eps: number }
  | { kind: 'relu' }
  | { kind: 'flatten' };

export interface Topology {
  file: string;
  /** The first image's size (needed when the first layer is a convolution). */
  input?: { height: number; width: number };
  /** In the file's order (the order of a dense CNN's steps). */
  layers: Map<string, TopologyLayer>;
}

/**
 * `order`: the step names in the file's order. A JavaScript object lists integer-like keys first
 * (nn.Sequential's "0", "1", …), so the order of a parsed object alone may not be the file's.
 */
export function parseTopology(raw: unknown, file: string, order?: readonly string[]): Topology {
  const parsed = topologySchema.safeParse(raw ?? {});
  if (!parsed.success) throw zodIssuesToError(parsed.error.issues, raw, file, 'topology file');
  const layers = new Map<string, TopologyLayer>();
  const steps = parsed.data.layers;
  const names = order && order.length === Object.keys(steps).length && order.every((n) => n in steps) ? order : Object.keys(steps);
  for (const [name, l] of names.map((n) => [n, steps[n]] as const)) {
    if (l.kind === 'conv2d') layers.set(name, { kind: 'conv2d', kernel: l.kernel_size, stride: l.stride, padding: l.padding });
    // PyTorch's MaxPool2d and AvgPool2d stride by the kernel unless told otherwise.
    else if (l.kind === 'maxpool2d' || l.kind === 'avgpool2d') layers.set(name, { kind: l.kind, kernel: l.kernel_size, stride: l.stride ?? l.kernel_size, padding: l.padding });
    else layers.set(name, l);
  }
  return { file, input: parsed.data.input, layers };
}

export async function readTopology(file: string): Promise<Topology> {
  const text = await readInputText(file, 'Topology file', 'a YAML file naming each LUT layer as conv2d or linear');
  let raw: unknown;
  let order: string[] | undefined;
  try {
    const doc = parseDocument(text);
    if (doc.errors.length > 0) throw doc.errors[0];
    raw = doc.toJS();
    const steps = doc.get('layers');
    if (isMap(steps)) order = steps.items.map((item) => String(isScalar(item.key) ? item.key.value : item.key));
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new LutnnError('The topology file is not valid YAML.', { file, expected: 'YAML', found: `a syntax error${where}: ${(err as Error).message.split('\n')[0]}` });
  }
  return parseTopology(raw, file, order);
}
