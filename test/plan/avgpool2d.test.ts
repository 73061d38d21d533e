/**
 * The average pool's multiply-and-shift divider (generator/plan/avgpool2d.ts) equals the exact
 * rounded mean floor(sum / N + 1/2) (docs/number-formats.md §4a): for every window sum at small
 * widths, and at the extremes and random sums at every width the artifact allows (2..16 bits); the
 * golden model (window generator + divider, from the plan) equals the artifact reference (true
 * division, from the geometry) on random geometries; and the loader refuses what is not built.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import type { AvgPool2dLayer } from '../../generator/artifact/types.ts';
import { parseHwConfig } from '../../generator/config/hw-config.ts';
import { runAvgPool2d } from '../../generator/golden/avgpool2d.ts';
import { avgPool2dReference } from '../../generator/golden/reference/avgpool2d.ts';
import { dividedMean, meanDivider, planAvgPool2d } from '../../generator/plan/avgpool2d.ts';
import { randomConvSpec, writeRandomConv } from '../support/random-conv.ts';

const MAX_WINDOW = 15 * 15;

/** The exact rounded mean, by BigInt division (independent of the divider). */
function exactMean(sum: number, n: number): number {
  const num = 2n * BigInt(sum) + BigInt(n);
  const den = 2n * BigInt(n);
  // Floor division for a possibly negative numerator.
  const q = num / den;
  return Number(num < 0n && q * den !== num ? q - 1n : q);
}

describe('meanDivider', () => {
  it('is exact for every window sum of every window size at 2 to 4 bits', () => {
    for (const bits of [2, 3, 4]) {
      const lo = -(2 ** (bits - 1));
      const hi = 2 ** (bits - 1) - 1;
      for (let n = 1; n <= MAX_WINDOW; n++) {
        const div = meanDivider(n, bits);
        for (let sum = n * lo; sum <= n * hi; sum++) {
          const got = dividedMean(div, sum, bits);
          if (got !== exactMean(sum, n)) expect({ bits, n, sum, got }).toEqual({ bits, n, sum, got: exactMean(sum, n) });
        }
      }
    }
  });

  it('is exact at the extremes and at random sums for every width and window size', () => {
    for (let bits = 2; bits <= 16; bits++) {
      const lo = -(2 ** (bits - 1));
      const hi = 2 ** (bits - 1) - 1;
      for (let n = 1; n <= MAX_WINDOW; n++) {
        const div = meanDivider(n, bits);
        // The divider's x stays below 2^xBits and the product fits its declared width.
        expect(BigInt(2 * n * hi + div.offset) * BigInt(div.multiplier)).toBeLessThan(2n ** BigInt(div.productBits));
        expect(2 * n * hi + div.offset).toBeLessThan(2 ** div.xBits);
        // Sums next to every rounding boundary near both ends, and the ends.
        for (const sum of [n * lo, n * lo + 1, n * hi - 1, n * hi, 0, -1, 1, Math.floor(n / 2), -Math.ceil(n / 2), Math.ceil(n / 2) - 1]) {
          if (sum < n * lo || sum > n * hi) continue;
          expect(dividedMean(div, sum, bits), `bits ${bits} n ${n} sum ${sum}`).toBe(exactMean(sum, n));
        }
      }
    }
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.integer({ min: 1, max: MAX_WINDOW }), fc.double({ min: 0, max: 1, noNaN: true }), (bits, n, t) => {
        const lo = n * -(2 ** (bits - 1));
        const hi = n * (2 ** (bits - 1) - 1);
        const sum = Math.min(hi, lo + Math.floor(t * (hi - lo + 1)));
        return dividedMean(meanDivider(n, bits), sum, bits) === exactMean(sum, n);
      }),
      { seed: 14, numRuns: 20000 },
    );
  });

  it('keeps every mean inside the format (nothing to saturate)', () => {
    for (const bits of [2, 8, 16]) {
      for (const n of [1, 2, 9, 49, MAX_WINDOW]) {
        const div = meanDivider(n, bits);
        expect(dividedMean(div, n * -(2 ** (bits - 1)), bits)).toBe(-(2 ** (bits - 1)));
        expect(dividedMean(div, n * (2 ** (bits - 1) - 1), bits)).toBe(2 ** (bits - 1) - 1);
      }
    }
  });
});

describe('average pooling', () => {
  it('golden model equals the reference on random geometries, padding counting in the divisor, at the format’s extremes', () => {
    const pool = fc
      .record({
        inChannels: fc.integer({ min: 1, max: 3 }),
        kernel: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
        stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        pad: fc.tuple(fc.nat(2), fc.nat(2)),
        extra: fc.tuple(fc.nat(5), fc.nat(5)),
        bits: fc.integer({ min: 2, max: 16 }),
        seed: fc.nat(),
      })
      .map(({ kernel, pad, extra, ...r }) => {
        const padding: [number, number] = [Math.min(pad[0], Math.floor(kernel[0] / 2)), Math.min(pad[1], Math.floor(kernel[1] / 2))];
        return { ...r, kernel, padding, height: kernel[0] + extra[0], width: kernel[1] + extra[1] };
      });
    fc.assert(
      fc.property(pool, ({ bits, seed, ...g }) => {
        const layer: AvgPool2dLayer = { kind: 'avgpool2d', name: 'p', conv: g, format: { bits, scale: 0.25 } };
        const plan = planAvgPool2d(layer, parseHwConfig({}, 'hw.yaml').defaults, 'm_p', 'model.json');
        const lo = -(2 ** (bits - 1));
        const hi = 2 ** (bits - 1) - 1;
        const image = Int32Array.from({ length: g.height * g.width * g.inChannels }, (_, i) => {
          const r = (seed + i * 2654435761) % 5;
          return r === 0 ? lo : r === 1 ? hi : lo + ((seed + i * 40503) % (hi - lo + 1));
        });
        expect(Array.from(runAvgPool2d(plan, image))).toEqual(Array.from(avgPool2dReference(layer).run(image)));
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it('the loader refuses count_include_pad false with padding, and takes it without', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lutnn-avgpool-'));
    try {
      const [spec] = fc.sample(randomConvSpec, { seed: 1, numRuns: 1 });
      const { model } = await writeRandomConv(join(dir, 'a'), { ...spec, kernel: [3, 3], stride: [1, 1], padding: [1, 1], height: 5, width: 5 }, { kind: 'pool', op: 'avg', kernel: [3, 3], stride: [1, 1], padding: [1, 1] });
      const manifest = JSON.parse(await readFile(model, 'utf8'));
      const pool = manifest.layers.findIndex((l: { kind: string }) => l.kind === 'avgpool2d');
      const edited = async (change: Record<string, unknown>) => {
        const m = structuredClone(manifest);
        Object.assign(m.layers[pool], change);
        const path = join(dir, 'edited.json');
        await writeFile(path, JSON.stringify(m));
        await copyFile(join(dirname(model), 'model.safetensors'), join(dir, 'model.safetensors'));
        return path;
      };
      const padded = manifest.layers[pool].padding as number[];
      expect(padded.some((p) => p > 0)).toBe(true);
      await expect(loadArtifact(await edited({ count_include_pad: false }))).rejects.toThrow(
        new RegExp(`leaves the padding out of the divisor[\\s\\S]*layers\\[${pool}\\]\\.count_include_pad[\\s\\S]*found: +false with padding \\[${padded.join(', ')}\\]`),
      );
      const unpadded = await loadArtifact(await edited({ count_include_pad: false, padding: [0, 0] }));
      expect(unpadded.layers[pool].kind).toBe('avgpool2d');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
