/**
 * Property: lut_conv2d layers on random geometries (kernel 1–5, stride 1–2, padding 0–2 below the
 * kernel, 1–6 channels, odd and even image sizes) and random patch layers (formats, metrics, table
 * sources, codebooks and outputs per cycle, pipeline), alone or followed by a second convolution
 * over their output image or by a lut_linear layer reading the output frame pixel by pixel, or
 * behind a lut_linear layer whose output is the image (its groups through its beat FIFO where
 * outputs_per_cycle is whole pixels), or followed by max pooling (kernel 1–3, stride 1–3 or the
 * kernel's, padding up to half the kernel); line buffers in flops or in block RAM (input_buffer):
 * lint-clean RTL, bit-exact against the golden model with random gaps between pixels and random
 * back-pressure, latency (first pixel in to first output pixel) and cycles per frame exactly as
 * planned (plan/lut-conv2d.ts), and the golden model (patches from the plan's scan) equal to the
 * artifact reference (patches by F.unfold from the artifact's geometry). Some draws also run in Icarus.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { convOutputSize } from '../../generator/plan/lut-conv2d.ts';
import type { LutConv2dPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { expectBitExactAndTimed, PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { convNext, randomConvSpec, writeRandomConv, type ConvNext, type RandomConvSpec } from '../support/random-conv.ts';

const RUNS = Number(process.env.LUTNN_PBT_CONV_RUNS ?? 4);

interface ConvCase {
  conv: RandomConvSpec;
  next: ConvNext;
  gap: number;
  stall: number;
  icarus: boolean;
}

const convCase: fc.Arbitrary<ConvCase> = fc.record({
  conv: randomConvSpec,
  next: convNext,
  gap: fc.constantFrom(0, 0.3, 0.6),
  stall: fc.constantFrom(0, 0.3, 0.6),
  icarus: fc.constantFrom(false, false, true),
});

async function checkConv(c: ConvCase): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-conv-'));
  try {
    const { model, config, chained } = await writeRandomConv(join(dir, 'artifact'), c.conv, c.next);
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    const conv = plan.layers[chained === 'linear-before' ? 1 : 0] as LutConv2dPlan;
    expect(conv.kind).toBe('lut_conv2d');
    // The geometry as PyTorch computes it, and a pixel per beat on both sides.
    const { height, width, kernel, stride, padding, inChannels } = c.conv;
    expect([conv.window.outHeight, conv.window.outWidth]).toEqual([convOutputSize(height, kernel[0], stride[0], padding[0]), convOutputSize(width, kernel[1], stride[1], padding[1])]);
    if (chained !== 'linear-before') expect(plan.io.input.beat).toEqual({ elementsPerBeat: inChannels, beats: height * width, laneBits: conv.input.bits });
    expect(plan.layers.length).toBe(chained === 'none' ? 1 : chained === 'pool-conv' ? 3 : 2);
    if (c.conv.lineBuffer === 'block' || c.conv.lineBuffer === 'registers') expect(conv.window.lineStorage.storage).toBe(c.conv.lineBuffer);
    expect(await lintDesign(out, plan.top)).toBe('');
    const frames = 5;
    const r = await verifyDesign(out, { vectors: frames, seed: c.conv.patch.seed, gapProbability: c.gap, stallProbability: c.stall });
    expectBitExactAndTimed(r, plan);
    const check = checkGoldenAgainstArtifact(r.design, await loadArtifact(model), r.inputs);
    expect(check.disagreement).toBeNull();
    expect(check.layers).toEqual(plan.layers.map((l) => l.name));
    if (c.icarus) {
      const ic = await verifyDesign(out, { vectors: 3, seed: c.conv.patch.seed, gapProbability: c.gap, stallProbability: c.stall, simulator: 'icarus', skipTiming: true });
      expect(ic.failure).toBeUndefined();
      expect(ic.mismatch).toBeNull();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('lut_conv2d layers versus the golden model (property)', () => {
  it(`hold for ${RUNS} random convolutions and chains (seed ${PBT_SEED + 14})`, async () => {
    await fc.assert(fc.asyncProperty(convCase, checkConv), { seed: PBT_SEED + 14, numRuns: RUNS, verbose: 1 });
  });
});
