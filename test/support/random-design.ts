/** A random single layer (small or hash-tree family, kept small) or a random 2–3 layer chain, for properties that hold for any design. */
import fc from 'fast-check';
import { hashTreeLayerSpec, smallLayerSpec, writeRandomLayer, type RandomLayerSpec } from './random-layer.ts';
import { randomNetworkSpec, writeRandomNetwork, type RandomNetworkSpec } from './random-network.ts';

export type RandomDesignSpec = { layer: RandomLayerSpec } | { network: RandomNetworkSpec };

const small = (s: RandomLayerSpec): RandomLayerSpec => ({ ...s, C: Math.min(s.C, 12), M: Math.min(s.M, 24), K: Math.min(s.K, 16) });

/** Single layers three times in four, chains once. */
export const randomDesignSpec: fc.Arbitrary<RandomDesignSpec> = fc.oneof(
  { arbitrary: fc.oneof(smallLayerSpec.map(small), hashTreeLayerSpec).map((layer) => ({ layer })), weight: 3 },
  { arbitrary: randomNetworkSpec.map((network) => ({ network })), weight: 1 },
);

/** The first layer's spec (its seed and knobs). */
export function firstLayerOf(d: RandomDesignSpec): RandomLayerSpec {
  return 'layer' in d ? d.layer : d.network.layers[0];
}

export async function writeRandomDesign(dir: string, d: RandomDesignSpec): Promise<{ model: string; config: string }> {
  return 'layer' in d ? writeRandomLayer(dir, d.layer) : writeRandomNetwork(dir, d.network);
}
