/**
 * The designs the encoder benches synthesise (bench/encoders.ts, bench/asic.ts): one seeded dense
 * layer per shape, converted with `lutnn convert`'s code path three ways at K = 16, V = 4 —
 * closest-centroid search on the k-means centroids with l2 and with l1, and MADDNESS hash trees
 * of depth 4 — plus the MAC-array baseline of the same throughput (`lutnn compare`'s).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DenseModel } from '../generator/convert/dense.ts';
import { convertDense, DEFAULT_CONVERT } from '../generator/convert/pq.ts';
import { writeArtifactAtomically } from '../generator/convert/write-artifact.ts';
import { genMac } from '../generator/gen-mac.ts';
import { genRtl } from '../generator/gen-rtl.ts';
import { Rng } from '../generator/util/rng.ts';

export interface DesignSpec {
  name: string;
  D: number;
  M: number;
  /** hw.yaml of every variant. */
  hw: string;
  what: string;
}

export const DESIGNS: Record<string, DesignSpec> = {
  example: { name: 'example', D: 64, M: 32, hw: 'codebooks_per_cycle: 4\noutputs_per_cycle: 32\ntree_levels_per_stage: 2\nmemory_style: auto\n', what: '64→32 (the example’s shape), 4 codebooks/cycle, II 4' },
  l256: { name: 'l256', D: 256, M: 256, hw: 'codebooks_per_cycle: 1\noutputs_per_cycle: 16\ntree_levels_per_stage: 1\nmemory_style: auto\n', what: '256→256, 1 codebook and 16 outputs/cycle, II 1024' },
  // Stella Nera's open run (halutmatmul README): C = 16, K = 16, M = 8, INT8 tables, one row every 16 cycles.
  stella: { name: 'stella', D: 64, M: 8, hw: 'codebooks_per_cycle: 1\noutputs_per_cycle: 8\ntree_levels_per_stage: 2\nmemory_style: auto\n', what: 'Stella Nera’s shape: 64→8, C = 16, K = 16, V = 4, 1 codebook and 8 outputs/cycle, II 16' },
};

export const ENCODERS = ['ccs-l2', 'ccs-l1', 'hash-tree'] as const;
export type EncoderName = (typeof ENCODERS)[number];
export type Variant = EncoderName | 'mac';

/** A dense layer and calibration rows: inputs clustered per sub-vector (as activations are), seeded. */
export function denseLayer(spec: DesignSpec): { model: DenseModel; calib: Float64Array; rows: number } {
  const rng = new Rng(spec.D * 7 + spec.M);
  const rows = 2048;
  const weight = Float64Array.from({ length: spec.D * spec.M }, () => rng.normal() / Math.sqrt(spec.D));
  const bias = Float64Array.from({ length: spec.M }, () => rng.normal() * 0.1);
  const centres = Float64Array.from({ length: 16 * spec.D }, () => rng.normal());
  const calib = new Float64Array(rows * spec.D);
  for (let r = 0; r < rows; r++) for (let c = 0; c < spec.D / 4; c++) {
    const k = rng.int(0, 15);
    for (let v = 0; v < 4; v++) calib[r * spec.D + c * 4 + v] = centres[k * spec.D + c * 4 + v] + 0.3 * rng.normal();
  }
  return { model: { source: `bench ${spec.name}`, layers: [{ name: 'fc', inFeatures: spec.D, outFeatures: spec.M, weight, bias, activation: 'relu' }] }, calib, rows };
}

/** Converts the design's dense layer with every encoder, generates the RTL and the MAC baseline; returns the design folders. */
export async function generateVariants(spec: DesignSpec, work: string, command: string): Promise<Record<Variant, string>> {
  const { model, calib, rows } = denseLayer(spec);
  const hw = join(work, `${spec.name}-hw.yaml`);
  await writeFile(hw, spec.hw);
  const dirs: Partial<Record<Variant, string>> = {};
  for (const encoder of ENCODERS) {
    const conversion = convertDense(model, calib, rows, { ...DEFAULT_CONVERT, name: spec.name, subvectorLen: 4, centroids: 16, encoder: encoder === 'hash-tree' ? 'hash-tree' : 'ccs', refineIterations: 0, ridge: 0, seed: 1 });
    if (encoder === 'ccs-l1') for (const l of conversion.manifest.layers as { metric?: string }[]) l.metric = 'l1';
    const art = join(work, `${spec.name}-${encoder}-artifact`);
    await writeArtifactAtomically(art, conversion.manifest, conversion.tensors);
    dirs[encoder] = join(work, `${spec.name}-${encoder}`);
    await genRtl({ model: join(art, 'model.json'), config: hw, out: dirs[encoder]! });
    if (encoder === 'ccs-l2') {
      dirs.mac = join(work, `${spec.name}-mac`);
      await genMac({ model: join(art, 'model.json'), config: hw, out: dirs.mac, regenerateCommand: `${command} (MAC baseline)` });
    }
  }
  return dirs as Record<Variant, string>;
}
