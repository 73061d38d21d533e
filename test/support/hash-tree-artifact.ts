/** A hash-tree layer with given tensors (split columns, thresholds, offsets, scales), for unit and exhaustive tests. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { Artifact } from '../../generator/artifact/types.ts';
import type { TensorInput } from '../../generator/artifact/safetensors.ts';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { DesignPlan } from '../../generator/plan/types.ts';
import { Rng } from '../../generator/util/rng.ts';

export interface TreeLayer {
  C: number;
  V: number;
  depth: number;
  /** (C, d) absolute columns. */
  dims: number[];
  /** (C, 2^d − 1) level-major, real input units. */
  thresholds: number[];
  offsets?: number[];
  scales?: number[];
  bits: number;
  scale: number;
  M?: number;
  seed?: number;
  hw?: Record<string, unknown>;
}

/** Writes the artifact (float LUT table, no centroids) and hw.yaml into dir. */
export async function writeTreeLayer(dir: string, t: TreeLayer): Promise<{ model: string; config: string }> {
  const M = t.M ?? 3;
  const K = 2 ** t.depth;
  const rng = new Rng(t.seed ?? 1);
  const tensors: TensorInput[] = [
    { name: 'h.dims', dtype: 'I32', shape: [t.C, t.depth], data: t.dims },
    { name: 'h.thr', dtype: 'F32', shape: [t.C, K - 1], data: t.thresholds },
    // Distinct table rows, so every index shows in the output.
    { name: 'h.lut', dtype: 'F32', shape: [t.C, K, M], data: Array.from({ length: t.C * K * M }, () => rng.normal()) },
  ];
  const refs: Record<string, string> = { split_dims: 'h.dims', thresholds: 'h.thr', lut: 'h.lut' };
  if (t.offsets) {
    tensors.push({ name: 'h.off', dtype: 'F32', shape: [t.C, t.depth], data: t.offsets });
    refs.split_offsets = 'h.off';
  }
  if (t.scales) {
    tensors.push({ name: 'h.sc', dtype: 'F32', shape: [t.C, t.depth], data: t.scales });
    refs.split_scales = 'h.sc';
  }
  const layer = {
    name: 'h', kind: 'lut_linear', in_features: t.C * t.V, out_features: M, num_codebooks: t.C, num_centroids: K, subvector_len: t.V,
    encoder: { kind: 'hash_tree', depth: t.depth }, input: { bits: t.bits, scale: t.scale }, output: { bits: 16, scale: 2 ** -8 }, table: { bits: 12 }, tensors: refs,
  };
  const model = await writeArtifact(dir, { format: 'lutnn-artifact', format_version: 1, name: 'tree', tensors: 'model.safetensors', layers: [layer] }, tensors);
  const config = join(dir, 'hw.yaml');
  await writeFile(config, stringify(t.hw ?? {}));
  return { model, config };
}

export async function planTreeLayer(t: TreeLayer): Promise<{ design: DesignPlan; artifact: Artifact }> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-tree-'));
  try {
    const { model, config } = await writeTreeLayer(dir, t);
    const artifact = await loadArtifact(model);
    return { design: planDesign(artifact, await loadHwConfig(config), { manifest: model, regenerateCommand: 'test' }), artifact };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
