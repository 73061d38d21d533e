/**
 * Chains timed on the beats each layer really gets (plan/chain.ts), cases each planned wrong once
 * (2026-12-04) and measured here:
 * - a stream layer after a lut_linear layer whose groups leave through its beat FIFO (groups E
 *   cycles apart): its vector is complete with the last beat (the plan said 50 cycles, the RTL 54);
 * - a padded 3 x 3 max pool after a 1 x 1 convolution: the pool's scan starts at reset and is still
 *   in its padding when the first pixel comes, which waits (the plan said 26, the RTL 28);
 * - a 2 x 2 pool of a 24 x 24 convolution, whose output rows come in bursts (a row of pixels every
 *   other cycle, then none for a row), before a 3 x 3 convolution whose core takes a patch every 4
 *   cycles: without the pixel FIFO in front of that scan the pool waits for it and the first
 *   convolution for the pool (measured without it: 803 cycles per frame against 676 planned);
 * - a padded pool slower per frame than the convolution before it: unpaced, the convolution ran
 *   ahead and the pool's FIFO filled (intervals 24 and 28 against 24 planned).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { writeArtifact } from '../../generator/artifact/write.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutConv2dPlan, LutLinearPlan, MaxPool2dPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { expectBitExactAndTimed } from '../support/check-random-layer.ts';
import { buildRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { randomConvSpec, writeRandomConv, type RandomConvSpec } from '../support/random-conv.ts';
import { lintDesign } from '../support/lint.ts';

const base: RandomLayerSpec = {
  K: 4, V: 2, C: 4, M: 12, inBits: 8, outBits: 8, tableBits: 8, metric: 'l2', activation: 'relu', source: 'float', withBias: true,
  duplicateFraction: 0, outputScaleFactor: 1, codebooksPerCycle: 1, outputsPerCycle: 4, treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 5,
};

describe('chains timed on the beats they get', () => {
  it('a padded pool after a fast convolution: the pixel waits for the pool’s scan', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-pool-chain-'));
    try {
      const [s0] = fc.sample(randomConvSpec, { seed: 3, numRuns: 1 });
      const spec = { ...s0, inChannels: 2, height: 10, width: 10, kernel: [1, 1] as [number, number], stride: [1, 1] as [number, number], padding: [0, 0] as [number, number], lineBuffer: 'auto' as const, patch: { ...s0.patch, codebooksPerCycle: 'all' as const, outputsPerCycle: 'all' as const, pipeline: 'standard' as const } };
      const { model, config } = await writeRandomConv(join(dir, 'art'), spec, { kind: 'pool', kernel: [3, 3], stride: [1, 1], padding: [1, 1] });
      const { plan } = await genRtl({ model, config, out: join(dir, 'rtl') });
      const [conv, pool] = plan.layers;
      // The pool's scan reaches its first image position (padded row 1, column 1, 12 columns) in cycle 13 after reset,
      // after the convolution's first output pixel (which takes its first pixel in cycle 0): the pool takes it then.
      expect(conv.stream!.timing.latency).toBeLessThan(13);
      expect(plan.timing.latency).toBe(13 + pool.stream!.timing.latency);
      const r = await verifyDesign(join(dir, 'rtl'), { vectors: 5, seed: 1, gapProbability: 0.3, stallProbability: 0.3 });
      expectBitExactAndTimed(r, plan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });


  it('a stream layer after a beat FIFO: timed on the groups’ beats, and the RTL takes exactly that', async () => {
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
  it('a paced convolution after a bursty pool: a pixel FIFO in front of its scan keeps the chain as planned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-pixel-fifo-'));
    try {
      const [s0] = fc.sample(randomConvSpec, { seed: 11, numRuns: 1 });
      const patch = { ...s0.patch, codebooksPerCycle: 'all' as const, outputsPerCycle: 'all' as const, pipeline: 'standard' as const, M: 4 };
      const first: RandomConvSpec = { ...s0, inChannels: 1, height: 24, width: 24, kernel: [3, 3], stride: [1, 1], padding: [1, 1], lineBuffer: 'registers', splitIndex: 1, patch };
      const { model, config } = await writeRandomConv(join(dir, 'art'), first, { kind: 'pool-conv', conv: first, codebooksPerCycle: 1 });
      const out = join(dir, 'rtl');
      const { plan } = await genRtl({ model, config, out });
      const [conv1, pool, conv2] = plan.layers as [LutConv2dPlan, MaxPool2dPlan, LutConv2dPlan];
      expect(conv2.window.patchInterval).toBe(4);
      // Only the paced scan behind the bursty pool needs one; the pool takes every pixel as it comes.
      expect(conv1.window.inputFifo).toBeUndefined();
      expect(pool.window.inputFifo).toBeUndefined();
      expect(conv2.window.inputFifo?.depth).toBeGreaterThan(1);
      expect(await lintDesign(out, plan.top)).toBe('');
      const r = await verifyDesign(out, { vectors: 6, seed: 5, gapProbability: 0.3, stallProbability: 0.3 });
      expectBitExactAndTimed(r, plan);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('a slower padded pool after a convolution: the convolution is paced to the pool, and the first frame leaves early', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-paced-chain-'));
    try {
      const [s0] = fc.sample(randomConvSpec, { seed: 2, numRuns: 1 });
      const { model, config } = await writeRandomConv(join(dir, 'art'), s0, { kind: 'pool', op: 'max', global: false, kernel: [3, 3], stride: [2, 2], padding: [1, 1] });
      const out = join(dir, 'rtl');
      const { plan } = await genRtl({ model, config, out });
      const [conv, pool] = plan.layers as [LutConv2dPlan, MaxPool2dPlan];
      // The pool's frame takes longer than the convolution's: unpaced, the convolution ran ahead frame after
      // frame and the pool's FIFO filled (measured intervals 24 and 28 against 24 planned).
      expect(conv.timing.initiationInterval).toBeLessThan(pool.timing.initiationInterval);
      expect(conv.window.framePeriod).toBe(plan.timing.initiationInterval);
      expect(plan.timing.initiationInterval).toBe(pool.timing.initiationInterval);
      // The pool's scan starts at reset and is through its top padding before the first pixel; in the frames
      // after, it is not, so the second output comes later than one II after the first.
      expect(plan.timing.startupIntervals?.[0]).toBeGreaterThan(plan.timing.initiationInterval);
      expect(await lintDesign(out, plan.top)).toBe('');
      const r = await verifyDesign(out, { vectors: 6, seed: 5, gapProbability: 0.3, stallProbability: 0.3 });
      expectBitExactAndTimed(r, plan);
      expect(r.timing?.measuredStartupIntervals).toEqual(plan.timing.startupIntervals);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
