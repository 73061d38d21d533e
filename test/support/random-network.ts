/**
 * Random chains of 2–3 lut_linear layers for whole-design property tests: each layer's input
 * size and format are its predecessor's output size and format; hardware knobs are set per layer.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { buildRandomLayer, randomLayerSpec, type RandomLayerSpec } from './random-layer.ts';

export interface RandomNetworkSpec {
  layers: RandomLayerSpec[];
  reset: 'sync' | 'async';
}

/** Layer specs are drawn freely, then each V and C is refit so that C·V equals the previous M. */
export const randomNetworkSpec: fc.Arbitrary<RandomNetworkSpec> = fc.record({
  layers: fc.array(
    randomLayerSpec.map((s) => ({ ...s, K: Math.min(s.K, 16), C: Math.min(s.C, 12), M: Math.min(s.M, 24) })),
    { minLength: 2, maxLength: 3 },
  ),
  reset: fc.constantFrom('sync' as const, 'async' as const),
});

function chain(spec: RandomNetworkSpec): RandomLayerSpec[] {
  const out: RandomLayerSpec[] = [];
  for (const [i, s] of spec.layers.entries()) {
    if (i === 0) {
      out.push(s);
      continue;
    }
    const D = out[i - 1].M;
    // The largest V ≤ the drawn V that divides D keeps the layer as close to its draw as possible.
    let V = Math.min(s.V, D);
    while (D % V !== 0) V -= 1;
    out.push({ ...s, V, C: D / V, inBits: out[i - 1].outBits });
  }
  return out;
}

export async function writeRandomNetwork(dir: string, spec: RandomNetworkSpec): Promise<{ model: string; config: string; layers: RandomLayerSpec[] }> {
  const specs = chain(spec);
  const built: ReturnType<typeof buildRandomLayer>[] = [];
  for (const [i, s] of specs.entries()) built.push(buildRandomLayer(s, `layer${i}`, i === 0 ? undefined : built[i - 1].output));
  const manifest = { format: 'lutnn-artifact', format_version: 1, name: 'net', tensors: 'model.safetensors', layers: built.map((b) => b.manifest) };
  await mkdir(dir, { recursive: true });
  const model = await writeArtifact(dir, manifest, built.flatMap((b) => b.tensors));
  const config = join(dir, 'hw.yaml');
  const layers: Record<string, unknown> = {};
  for (const [i, s] of specs.entries()) {
    layers[`layer${i}`] = {
      codebooks_per_cycle: s.codebooksPerCycle === 'all' ? undefined : s.codebooksPerCycle,
      outputs_per_cycle: s.outputsPerCycle === 'all' ? undefined : s.outputsPerCycle,
      tree_levels_per_stage: s.treeLevelsPerStage,
      memory_style: s.memoryStyle,
    };
  }
  await writeFile(config, stringify({ reset: spec.reset, layers }));
  return { model, config, layers: specs };
}
