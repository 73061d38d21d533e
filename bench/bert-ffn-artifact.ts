/**
 * A BERT-base FFN up-projection (768 → 3072) as a LUT-NN layer with K = 16, V = 4 (C = 192),
 * stored the way LUT-NN exports it (centroids, weight (C, V, M), bias). Values are random but
 * shaped like real ones; only the sizes matter for the benchmark.
 */
import { artifactManifest, lutLinearLayer } from '../generator/artifact/build.ts';
import { writeArtifact } from '../generator/artifact/write.ts';
import { Rng } from '../generator/util/rng.ts';

export const BERT_FFN = { D: 768, M: 3072, V: 4, K: 16 };

export async function writeBertFfnArtifact(dir: string): Promise<string> {
  const { D, M, V, K } = BERT_FFN;
  const C = D / V;
  const rng = new Rng(768);
  const centroids = Float64Array.from({ length: C * K * V }, () => rng.normal());
  const weight = Float64Array.from({ length: C * V * M }, () => rng.normal() * 0.036);
  const bias = Float64Array.from({ length: M }, () => rng.normal() * 0.1);
  const fc = lutLinearLayer({ name: 'ffn_up', inFeatures: D, outFeatures: M, numCentroids: K, subvectorLen: V, centroids, weight, bias, activation: 'relu', input: { bits: 8, scale: 0.03 }, output: { bits: 8, scale: 0.05 } });
  return writeArtifact(dir, artifactManifest('bert', 'BERT-base FFN 768->3072 shape, synthetic values (bench)', [fc.layer]), fc.tensors);
}
