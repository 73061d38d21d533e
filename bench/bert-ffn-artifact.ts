/**
 * A BERT-base FFN up-projection (768 → 3072) as a LUT-NN layer with K = 16, V = 4 (C = 192),
 * stored the way LUT-NN exports it (centroids, weight (C, V, M), bias). Values are random but
 * shaped like real ones; only the sizes matter for the benchmark.
 */
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
  return writeArtifact(
    dir,
    {
      format: 'lutnn-artifact',
      format_version: 1,
      name: 'bert',
      tensors: 'model.safetensors',
      description: 'BERT-base FFN 768->3072 shape, synthetic values (bench)',
      layers: [
        {
          name: 'ffn_up',
          kind: 'lut_linear',
          in_features: D,
          out_features: M,
          num_codebooks: C,
          num_centroids: K,
          subvector_len: V,
          activation: 'relu',
          input: { bits: 8, scale: 0.03 },
          output: { bits: 8, scale: 0.05 },
          tensors: { centroids: 'c', weight: 'w', bias: 'b' },
        },
      ],
    },
    [
      { name: 'c', dtype: 'F32', shape: [C, K, V], data: centroids },
      { name: 'w', dtype: 'F32', shape: [C, V, M], data: weight },
      { name: 'b', dtype: 'F32', shape: [M], data: bias },
    ],
  );
}
