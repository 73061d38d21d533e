/** Plan a random layer in memory (via a temporary artifact folder) for unit tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { Artifact } from '../../generator/artifact/types.ts';
import { loadHwConfig } from '../../generator/config/hw-config.ts';
import { planDesign } from '../../generator/plan/design.ts';
import type { DesignPlan } from '../../generator/plan/types.ts';
import { writeRandomLayer, type RandomLayerSpec } from './random-layer.ts';

export async function planRandomLayer(spec: RandomLayerSpec): Promise<{ design: DesignPlan; artifact: Artifact }> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-plan-'));
  try {
    const { model, config } = await writeRandomLayer(dir, spec);
    const artifact = await loadArtifact(model);
    const design = planDesign(artifact, await loadHwConfig(config), { manifest: model, regenerateCommand: 'test' });
    return { design, artifact };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
