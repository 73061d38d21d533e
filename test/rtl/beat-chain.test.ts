/**
 * A stream chain whose first layer gives its groups through its beat FIFO (groups E cycles apart,
 * not back to back): the second layer's vector is complete with the last beat, so the design's
 * latency counts the gaps between the groups (plan/stream.ts wrapperChainedTiming). Until this was
 * planned (2026-12-04) the plan said 50 cycles here and the RTL took 54.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { expectBitExactAndTimed } from '../support/check-random-layer.ts';
import { buildRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';

const base: RandomLayerSpec = {
  K: 4, V: 2, C: 4, M: 12, inBits: 8, outBits: 8, tableBits: 8, metric: 'l2', activation: 'relu', source: 'float', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 1, outputsPerCycle: 4, treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 5,
};

describe('a chain after a beat FIFO', () => {
  it('is timed on the groups’ beats, and the RTL takes exactly that', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-beat-chain-'));
    try {
      const a = buildRandomLayer(base, 'a');
      const b = buildRandomLayer({ ...base, C: 6, M: 5, seed: 6 }, 'b', a.output);
      const model = await writeArtifact(join(dir, 'art'), { format: 'lutnn-artifact', format_version: 1, name: 'bc', tensors: 'model.safetensors', layers: [a.manifest, b.manifest] }, [...a.tensors, ...b.tensors]);
      const config = join(dir, 'hw.yaml');
      await writeFile(config, stringify({ io: 'stream', elements_per_beat: 2, codebooks_per_cycle: 1, outputs_per_cycle: 4 }));
      const { plan } = await genRtl({ model, config, out: join(dir, 'rtl') });
      const first = plan.layers[0] as LutLinearPlan;
      // 3 groups of 2 beats, E = 4 cycles apart: beats at 0, 1, 4, 5, 8, 9, so 4 cycles later than back to back.
      expect([first.parallel.encodeSteps, first.parallel.outputGroups, first.beatOutput?.beatsPerGroup]).toEqual([4, 3, 2]);
      const backToBack = plan.layers.reduce((s, l) => s + l.stream!.timing.latency, 0);
      expect(plan.timing.latency).toBe(backToBack + 4);
      const r = await verifyDesign(join(dir, 'rtl'), { vectors: 40, seed: 1, gapProbability: 0.3, stallProbability: 0.3 });
      expectBitExactAndTimed(r, plan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
