/**
 * The lut_conv2d and maxpool2d planners without simulation: the window generator's patches
 * (golden model, from the plan's scan) equal F.unfold's (conv/unfold.ts, from the artifact's
 * geometry) on random geometries and images, and max pooling's golden model its reference; the
 * output size is PyTorch's; the schedule's figures on hand-checked
 * cases; and the knobs a convolution refuses, each with a clear error.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conv2dGeometry, MaxPool2dLayer } from '../../generator/artifact/types.ts';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { parseHwConfig } from '../../generator/config/hw-config.ts';
import { outputSize, unfold } from '../../generator/conv/unfold.ts';
import { framePatches } from '../../generator/golden/lut-conv2d.ts';
import { runMaxPool2d } from '../../generator/golden/maxpool2d.ts';
import { maxPool2dReference } from '../../generator/golden/reference/maxpool2d.ts';
import { planMaxPool2d } from '../../generator/plan/maxpool2d.ts';
import { convFrameSchedule, convOutputSize, convSchedule, planConvWindow, planLineStorage, windowSchedule } from '../../generator/plan/lut-conv2d.ts';
import { planDesign } from '../../generator/plan/design.ts';
import { randomConvSpec, writeRandomConv } from '../support/random-conv.ts';

const geometry: fc.Arbitrary<Conv2dGeometry> = fc
  .record({
    inChannels: fc.integer({ min: 1, max: 4 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.tuple(fc.nat(4), fc.nat(4)),
    extra: fc.tuple(fc.nat(6), fc.nat(6)),
  })
  .map(({ inChannels, kernel, stride, pad, extra }) => {
    const padding: [number, number] = [Math.min(pad[0], kernel[0] - 1), Math.min(pad[1], kernel[1] - 1)];
    return { inChannels, kernel, stride, padding, height: Math.max(1, kernel[0] - 2 * padding[0]) + extra[0], width: Math.max(1, kernel[1] - 2 * padding[1]) + extra[1] };
  });

describe('the window generator’s patches', () => {
  it('are F.unfold’s patches, in raster order, on random geometries and images', () => {
    fc.assert(
      fc.property(geometry, fc.integer({ min: 1, max: 6 }), (g, ii) => {
        const w = planConvWindow(g, 8, ii);
        expect([w.outHeight, w.outWidth]).toEqual(outputSize(g));
        expect([w.outHeight, w.outWidth]).toEqual([convOutputSize(g.height, g.kernel[0], g.stride[0], g.padding[0]), convOutputSize(g.width, g.kernel[1], g.stride[1], g.padding[1])]);
        const image = Int32Array.from({ length: g.height * g.width * g.inChannels }, (_, i) => ((i * 7919) % 251) - 125);
        expect(Array.from(framePatches(w, image))).toEqual(Array.from(unfold(g, image, 0, (n) => new Int32Array(n))));
      }),
      { numRuns: 300, seed: 14 },
    );
  });
});

describe('max pooling', () => {
  it('takes the maximum of the window’s image pixels, padding never winning (the reference skips it), on random geometries and images at the format’s extremes', () => {
    const pool = fc.record({ g: geometry, bits: fc.integer({ min: 2, max: 12 }), seed: fc.nat() }).filter(({ g }) => 2 * g.padding[0] <= g.kernel[0] && 2 * g.padding[1] <= g.kernel[1]);
    fc.assert(
      fc.property(pool, ({ g, bits, seed }) => {
        const layer: MaxPool2dLayer = { kind: 'maxpool2d', name: 'p', conv: g, format: { bits, scale: 0.5 } };
        const plan = planMaxPool2d(layer, parseHwConfig({}, 'hw.yaml').defaults, 'm_p', 'model.json');
        const lo = -(2 ** (bits - 1));
        const hi = 2 ** (bits - 1) - 1;
        // Mostly the minimum (a tie with the padding), some maximum, some in between.
        const image = Int32Array.from({ length: g.height * g.width * g.inChannels }, (_, i) => {
          const r = (seed + i * 2654435761) % 7;
          return r < 4 ? lo : r === 4 ? hi : lo + ((seed + i) % (hi - lo + 1));
        });
        expect(Array.from(runMaxPool2d(plan, image))).toEqual(Array.from(maxPool2dReference(layer).run(image)));
      }),
      { numRuns: 300, seed: 15 },
    );
  });
});

describe('the frame schedule', () => {
  const g = (over: Partial<Conv2dGeometry>): Conv2dGeometry => ({ inChannels: 1, height: 4, width: 4, kernel: [1, 1], stride: [1, 1], padding: [0, 0], ...over });
  it('is a step per pixel for a 1x1 kernel at one patch per cycle, and the core’s pace otherwise', () => {
    expect(convSchedule(planConvWindow(g({}), 8, 1))).toEqual({ firstPixelStep: 0, firstPatchStep: 0, frameCycles: 16 });
    // A patch every 3 cycles: 16 patches, the last at 45, the next frame 3 cycles after it.
    expect(convSchedule(planConvWindow(g({}), 8, 3))).toEqual({ firstPixelStep: 0, firstPatchStep: 0, frameCycles: 48 });
  });
  it('paces patches at the core’s II through padding: hand-checked 3 x 3, padding 1, II 3', () => {
    // Rows 0–1 free (12 steps); row 2: 12, 13, patch at 14, then 17, 20, 23; rows 3–5 the same from 24, 36, 48; the last patch 59, the next frame at 62.
    const s = convFrameSchedule(planConvWindow(g({ kernel: [3, 3], padding: [1, 1] }), 8, 3));
    expect(s.patchSteps).toEqual([14, 17, 20, 23, 26, 29, 32, 35, 38, 41, 44, 47, 50, 53, 56, 59]);
    expect([s.firstPixelStep, s.frameCycles]).toEqual([7, 62]);
  });
  it('waits for pixels that come late, and takes one that comes before the scan reaches it when the scan does', () => {
    const w = planConvWindow(g({}), 8, 1);
    // A pixel every other cycle from cycle 0: a patch at each, the frame 31 cycles.
    expect(convFrameSchedule(w, 0, Array.from({ length: 16 }, (_, p) => 2 * p))).toEqual({ firstPixelStep: 0, patchSteps: Array.from({ length: 16 }, (_, p) => 2 * p), frameCycles: 31 });
    // Padding 1 on a 3 x 3 window: the scan is at its first image position in cycle 7; a pixel offered in cycle 2 waits until then, one offered at 9 is taken at 9.
    const padded = planConvWindow(g({ kernel: [3, 3], padding: [1, 1] }), 8, 1);
    const firstAt = (c: number) => [c, ...Array.from({ length: 15 }, () => -Infinity)];
    expect(windowSchedule(padded, 1, firstAt(2), 1).takes[0]).toBe(7);
    expect(windowSchedule(padded, 1, firstAt(9), 1).takes[0]).toBe(9);
  });
  it('counts the padding positions as steps, and the first patch where its last pixel arrives', () => {
    // 3x3, padding 1: padded 6x6 = 36 steps; the first image pixel at (1, 1) = step 7, the first patch ends at (2, 2) = step 14.
    expect(convSchedule(planConvWindow(g({ kernel: [3, 3], padding: [1, 1] }), 8, 1))).toEqual({ firstPixelStep: 7, firstPatchStep: 14, frameCycles: 36 });
  });
});

describe('lut_conv2d knobs', () => {
  let dir: string;
  let model: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lutnn-conv-plan-'));
    const [spec] = fc.sample(randomConvSpec, { seed: 3, numRuns: 1 });
    ({ model } = await writeRandomConv(join(dir, 'a'), { ...spec, kernel: [3, 3], padding: [1, 1], height: 5, width: 5 }));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const plan = async (cfg: object) => planDesign(await loadArtifact(model), parseHwConfig(cfg, 'hw.yaml'), { manifest: model, regenerateCommand: 'x' });

  it('plan a pixel per beat whatever io says', async () => {
    for (const io of ['parallel', 'stream']) {
      const d = await plan({ io });
      expect(d.io.input.beat?.beats).toBe(25);
      expect(d.layers[0].stream?.nativeInput).toBe(true);
    }
  });
  it('refuse a padding as wide as the kernel (no image pixel in a border patch), and the loader a patch the codebooks do not split', async () => {
    const manifest = JSON.parse(await readFile(model, 'utf8'));
    const edit = async (change: (l: Record<string, unknown>) => void) => {
      const m = structuredClone(manifest);
      change(m.layers[0]);
      const path = join(dir, 'edited.json');
      await writeFile(path, JSON.stringify(m));
      await copyFile(join(dirname(model), 'model.safetensors'), join(dir, 'model.safetensors'));
      return path;
    };
    const wide = await loadArtifact(await edit((l) => (l.padding = [3, 1])));
    expect(() => planDesign(wide, parseHwConfig({}, 'hw.yaml'), { manifest: 'm', regenerateCommand: 'x' })).toThrow(/padding below the kernel[\s\S]*found: +\[3, 1\]/);
    await expect(loadArtifact(await edit((l) => (l.in_channels = (l.in_channels as number) + 1)))).rejects.toThrow(/must split into num_codebooks sub-vectors[\s\S]*expected: num_codebooks \* subvector_len/);
    // A kernel one row high has no line buffers to put in block RAM.
    const flat = await loadArtifact(await edit((l) => Object.assign(l, { kernel_size: [1, 9], padding: [0, 0], width: 9 })));
    expect(() => planDesign(flat, parseHwConfig({ input_buffer: 'block' }, 'hw.yaml'), { manifest: 'm', regenerateCommand: 'x' })).toThrow(/cannot have its line buffers in block RAM[\s\S]*no line buffers/);
  });
  it('put the line buffers in block RAM with input_buffer: block, and by the deep-memory rule with auto', async () => {
    const w = (await plan({ input_buffer: 'block' })).layers[0];
    expect(w.kind === 'lut_conv2d' && w.window.lineStorage).toEqual({ storage: 'block', reason: 'input_buffer: block' });
    const auto = (await plan({})).layers[0];
    // 7 columns of a few bytes: far below 4096 bits in 64 words.
    expect(auto.kind === 'lut_conv2d' && auto.window.lineStorage.storage).toBe('registers');
    // A row of 66 pixels of 8 x INT8 (4,224 bits in 66 words) is block RAM under auto; 63 pixels are not.
    expect(planLineStorage('auto', 3, 66, 64).storage).toBe('block');
    expect(planLineStorage('auto', 3, 63, 128).storage).toBe('registers');
  });
  it.each([
    [{ elements_per_beat: 2 }, /layers\.conv\.elements_per_beat \(hardware config\)/, /one pixel/],
    [{ table_storage: 'ram' }, /layers\.conv\.table_storage \(hardware config\)/, /not built for lut_conv2d/],
  ])('refuse %j, naming the knob', async (cfg, field, why) => {
    const err = await plan(cfg).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/cannot be built as a lut_conv2d layer/);
    expect(err?.message).toMatch(field);
    expect(err?.message).toMatch(why);
  });
});
