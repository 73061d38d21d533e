/**
 * Benchmark: the 10,000 MNIST digits through the whole-model RTL (npm run bench:mnist).
 * Needs the design that `npm run mnist` generates (rtl-out/mnist). Builds the Verilator model in a
 * fresh cache (build time reported on its own), then times the simulation of every digit with no
 * input gaps and no back-pressure, and with the default 25 % gaps and stalls. Target: ≤ 60 s.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../generator/datasets/mnist.ts';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import { quantizeInputs } from '../tb/datasets.ts';
import { loadDesign, verifyDesign } from '../tb/verify.ts';

const design = join(PROJECT_ROOT, 'rtl-out', 'mnist');
if (!existsSync(join(design, 'plan.json'))) {
  console.error('bench:mnist needs rtl-out/mnist: run `npm run mnist` first.');
  process.exit(1);
}
const cache = await mkdtemp(join(tmpdir(), 'lutnn-bench-cache-'));
process.env.LUTNN_CACHE_DIR = cache;
try {
  const plan = await loadDesign(design);
  const digits = loadMnist().all;
  const inputs = quantizeInputs(plan, digits.images);
  console.log(`# ${digits.count} MNIST digits through ${plan.top} (latency ${plan.timing.latency}, II ${plan.timing.initiationInterval})`);
  for (const [label, gap, stall] of [['no gaps, no back-pressure', 0, 0], ['25 % input gaps, 25 % back-pressure', 0.25, 0.25]] as const) {
    const t0 = performance.now();
    const r = await verifyDesign(design, { vectors: digits.count, seed: 1, inputs, gapProbability: gap, stallProbability: stall, skipTiming: true });
    const total = (performance.now() - t0) / 1000;
    const sim = total - r.build.buildSeconds;
    console.log(
      `${label.padEnd(38)} simulate+check ${sim.toFixed(1).padStart(5)} s  (${r.simCycles} cycles, ${(r.simCycles / sim / 1000).toFixed(0)} kcycles/s)  ` +
        `build ${r.build.cached ? 'cached' : `${r.build.buildSeconds.toFixed(1)} s`}  bit-exact ${r.ok ? 'yes' : 'NO'}  ${sim <= 60 ? 'within' : 'OVER'} the 60 s target`,
    );
  }
} finally {
  await rm(cache, { recursive: true, force: true });
}
