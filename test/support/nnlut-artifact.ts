/** Small nnlut artifacts for tests: a table by interpolation through knots, written with writeArtifact. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeArtifact } from '../../generator/artifact/write.ts';
import type { RangeReduction } from '../../generator/artifact/types.ts';

export interface NnlutSpec {
  features: number;
  inBits: number;
  inScale: number;
  outBits: number;
  outScale: number;
  rangeReduction: RangeReduction;
  coefficientBits: number;
  breakpoints: number[];
  slopes: number[];
  intercepts: number[];
  lanes?: number | 'all';
  stages?: number;
  reset?: 'sync' | 'async';
  fn?: string;
}

/** A piecewise-linear interpolation of f through `segments + 1` knots spread over [lo, hi]. */
export function interpolate(f: (x: number) => number, lo: number, hi: number, segments: number) {
  const knots = Array.from({ length: segments + 1 }, (_, i) => lo + ((hi - lo) * i) / segments);
  const slopes: number[] = [];
  const intercepts: number[] = [];
  for (let i = 0; i < segments; i++) {
    const [a, b] = [knots[i], knots[i + 1]];
    const s = (f(b) - f(a)) / (b - a);
    slopes.push(s);
    intercepts.push(f(a) - s * a);
  }
  return { breakpoints: knots.slice(1, -1), slopes, intercepts };
}

export function nnlutLayerManifest(name: string, s: NnlutSpec) {
  return {
    name,
    kind: 'nnlut',
    features: s.features,
    ...(s.fn ? { function: s.fn } : {}),
    input: { bits: s.inBits, scale: s.inScale },
    output: { bits: s.outBits, scale: s.outScale },
    range_reduction: s.rangeReduction,
    coefficient_bits: s.coefficientBits,
    breakpoints: s.breakpoints,
    slopes: s.slopes,
    intercepts: s.intercepts,
  };
}

export async function writeNnlutArtifact(dir: string, s: NnlutSpec, modelName = 'nl'): Promise<{ model: string; config: string }> {
  await mkdir(dir, { recursive: true });
  const manifest = { format: 'lutnn-artifact', format_version: 1, name: modelName, tensors: 'model.safetensors', layers: [nnlutLayerManifest('act', s)] };
  const model = await writeArtifact(dir, manifest, []);
  const config = join(dir, 'hw.yaml');
  await writeFile(config, stringify({ reset: s.reset ?? 'sync', lanes_per_cycle: s.lanes === undefined || s.lanes === 'all' ? undefined : s.lanes, pipeline_stages: s.stages ?? 2 }));
  return { model, config };
}
