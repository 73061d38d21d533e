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
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { LutnnError } from '../errors.ts';
import { readInputText } from '../util/read-input.ts';
import { pair } from '../artifact/schema.ts';
import { strictObject, zodIssuesToError } from '../util/zod-errors.ts';

const conv = strictObject({
  kind: z.literal('conv2d'),
  kernel_size: pair(1, 15),
  stride: pair(1, 15).default([1, 1]),
  padding: pair(0, 14).default([0, 0]),
});
const linear = strictObject({ kind: z.literal('linear') });

const size = (what: string) => {
  const message = `the ${what} in pixels, an integer from 1 to 4096`;
  return z.number({ invalid_type_error: message }).int({ message }).min(1, { message }).max(4096, { message });
};

const topologySchema = strictObject({
  input: strictObject({ height: size('height'), width: size('width') }).optional(),
  layers: z.record(z.discriminatedUnion('kind', [conv, linear])),
});

export type TopologyLayer = { kind: 'linear' } | { kind: 'conv2d'; kernel: [number, number]; stride: [number, number]; padding: [number, number] };

export interface Topology {
  file: string;
  /** The first image's size (needed when the first layer is a convolution). */
  input?: { height: number; width: number };
  layers: Map<string, TopologyLayer>;
}

export function parseTopology(raw: unknown, file: string): Topology {
  const parsed = topologySchema.safeParse(raw ?? {});
  if (!parsed.success) throw zodIssuesToError(parsed.error.issues, raw, file, 'topology file');
  const layers = new Map<string, TopologyLayer>();
  for (const [name, l] of Object.entries(parsed.data.layers)) {
    layers.set(name, l.kind === 'linear' ? l : { kind: 'conv2d', kernel: l.kernel_size, stride: l.stride, padding: l.padding });
  }
  return { file, input: parsed.data.input, layers };
}

export async function readTopology(file: string): Promise<Topology> {
  const text = await readInputText(file, 'Topology file', 'a YAML file naming each LUT layer as conv2d or linear');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new LutnnError('The topology file is not valid YAML.', { file, expected: 'YAML', found: `a syntax error${where}: ${(err as Error).message.split('\n')[0]}` });
  }
  return parseTopology(raw, file);
}
