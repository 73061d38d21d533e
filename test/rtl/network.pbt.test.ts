/**
 * Property: random 2–3 layer networks generate a lint-clean model top whose simulation matches
 * the chained golden model bit for bit, with latency = Σ layer latencies and II = max layer II;
 * and the golden model equals, layer by layer, the independent reference computed from the
 * artifact's tensors (generator/golden/artifact-reference.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { expectBitExactAndTimed, PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { randomNetworkSpec, writeRandomNetwork } from '../support/random-network.ts';

const RUNS = Number(process.env.LUTNN_PBT_NETWORK_RUNS ?? 5);

describe('multi-layer designs versus the chained golden model (property)', () => {
  it(`holds for ${RUNS} random networks (seed ${PBT_SEED + 2})`, async () => {
    await fc.assert(
      fc.asyncProperty(randomNetworkSpec, async (spec) => {
        const dir = await mkdtemp(join(tmpdir(), 'lutnn-net-'));
        try {
          const { model, config } = await writeRandomNetwork(join(dir, 'artifact'), spec);
          const out = join(dir, 'rtl');
          const { plan } = await genRtl({ model, config, out });
          expect(plan.modelTop).not.toBeNull();
          expect(plan.timing.latency).toBe(plan.layers.reduce((a, l) => a + l.timing.latency, 0));
          expect(await lintDesign(out, plan.top)).toBe('');
          const r = await verifyDesign(out, { vectors: 200, seed: spec.layers[0].seed, gapProbability: 0.3, stallProbability: 0.3 });
          expectBitExactAndTimed(r, plan);
          const check = checkGoldenAgainstArtifact(r.design, await loadArtifact(model), r.inputs);
          expect(check.disagreement).toBeNull();
          expect(check.layers).toEqual(plan.layers.map((l) => l.name));
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { seed: PBT_SEED + 2, numRuns: RUNS, verbose: 1 },
    );
  });
});
