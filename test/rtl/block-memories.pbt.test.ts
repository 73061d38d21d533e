/**
 * Property: a lut_linear layer whose index buffer is a block RAM (hw.yaml index_buffer: block; the
 * RAM is read a cycle ahead, docs/architecture.md "Index buffer"), and one with at least 64 encode
 * steps, whose step ROM (centroids or thresholds) and index buffer go to block RAM under `auto`, is
 * lint-clean, bit-exact with the golden model under random gaps and back-pressure, and keeps the
 * plan's latency and initiation interval exactly, for random shapes, parallelism (one step or many,
 * one output group or many), pipelining, encoders and resets; with the index buffer in registers
 * the same draw plans the same timing (the storage changes no cycle). See
 * support/check-random-layer.ts for the checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRandomLayer, PBT_SEED } from '../support/check-random-layer.ts';
import { planRandomLayer } from '../support/plan-random.ts';
import { hashTreeLayerSpec, smallLayerSpec, type RandomLayerSpec } from '../support/random-layer.ts';

const RUNS = Number(process.env.LUTNN_PBT_BLOCK_RUNS ?? 6);

const small = (s: RandomLayerSpec): RandomLayerSpec => ({ ...s, C: Math.min(s.C, 16), M: Math.min(s.M, 24), K: Math.min(s.K, 16), indexBuffer: 'block' });
/** One codebook per cycle over 64 … 80 codebooks: E ≥ 64 steps, so `auto` puts the step ROM and the index buffer in block RAM. */
const manySteps = (s: RandomLayerSpec): RandomLayerSpec => ({ ...s, C: 64 + (s.seed % 17), V: Math.min(s.V, 2), M: Math.min(s.M, 8), codebooksPerCycle: 1, memoryStyle: 'auto', indexBuffer: 'auto' });
const blockIndexSpec: fc.Arbitrary<RandomLayerSpec> = fc.oneof(
  { arbitrary: smallLayerSpec.map(small), weight: 2 },
  { arbitrary: hashTreeLayerSpec.map((s): RandomLayerSpec => ({ ...s, indexBuffer: 'block' })), weight: 1 },
  { arbitrary: fc.oneof(smallLayerSpec.map((s) => manySteps({ ...s, K: Math.min(s.K, 8) })), hashTreeLayerSpec.map(manySteps)), weight: 2 },
);

describe('index buffer and step ROM in block RAM (property)', () => {
  it(`holds for ${RUNS} random layers (seed ${PBT_SEED + 12})`, async () => {
    await fc.assert(
      fc.asyncProperty(blockIndexSpec, async (spec) => {
        const block = (await planRandomLayer(spec)).design.layers[0];
        const regs = (await planRandomLayer({ ...spec, indexBuffer: 'registers' })).design.layers[0];
        if (block.kind !== 'lut_linear' || regs.kind !== 'lut_linear') throw new Error('a lut_linear layer was drawn');
        expect(block.memory.index.storage).toBe('block');
        expect(regs.memory.index.storage).toBe('registers');
        if (spec.codebooksPerCycle === 1 && spec.C >= 64) expect(block.encoder.stepRom?.style).toBe('block');
        expect(block.timing).toEqual(regs.timing);
        await checkRandomLayer(spec);
      }),
      { seed: PBT_SEED + 12, numRuns: RUNS, verbose: 1 },
    );
  });
});
