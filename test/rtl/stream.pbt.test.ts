/**
 * Property: stream ports (hw.yaml io: stream, elements_per_beat, axi_stream) on random layers and
 * random 2–3 layer chains, with beat sizes from one element to more than a vector (short last
 * beats included) and byte-aligned AXI4-Stream lanes for any element width: lint-clean RTL,
 * bit-exact against the golden model with random gaps between beats and random back-pressure,
 * latency (first beat in to first beat out) and II exactly as planned (plan/stream.ts), tlast on
 * every vector's last output beat (the harness fails otherwise), and the golden model equal to the
 * artifact's independent reference. Some draws also run in Icarus.
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { layerInput, layerOutput } from '../../generator/plan/layer-io.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { hashTreeLayerSpec, smallLayerSpec, writeRandomLayer, type RandomLayerSpec } from '../support/random-layer.ts';
import { randomNetworkSpec, writeRandomNetwork, type RandomNetworkSpec } from '../support/random-network.ts';

const RUNS = Number(process.env.LUTNN_PBT_STREAM_RUNS ?? 8);

interface StreamSpec {
  design: { layer: RandomLayerSpec } | { network: RandomNetworkSpec };
  /** elements_per_beat; 'auto' leaves the default (a 64-bit bus of byte lanes). */
  perBeat: number | 'auto';
  axi: boolean;
  icarus: boolean;
  gap: number;
  stall: number;
}

const small = (s: RandomLayerSpec): RandomLayerSpec => ({ ...s, C: Math.min(s.C, 12), M: Math.min(s.M, 24), K: Math.min(s.K, 16) });

const streamSpec: fc.Arbitrary<StreamSpec> = fc.record({
  design: fc.oneof(
    { arbitrary: fc.oneof(smallLayerSpec.map(small), hashTreeLayerSpec).map((layer) => ({ layer })), weight: 3 },
    { arbitrary: randomNetworkSpec.map((network) => ({ network })), weight: 1 },
  ),
  perBeat: fc.oneof(fc.constant('auto' as const), fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 40 })),
  axi: fc.boolean(),
  icarus: fc.constantFrom(false, false, true),
  gap: fc.constantFrom(0, 0.3, 0.6),
  stall: fc.constantFrom(0, 0.3, 0.6),
});

async function checkStream(spec: StreamSpec): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-stream-'));
  try {
    const art = join(dir, 'artifact');
    const { model, config } = 'layer' in spec.design ? await writeRandomLayer(art, spec.design.layer) : await writeRandomNetwork(art, spec.design.network);
    const knobs = ['io: stream', ...(spec.perBeat === 'auto' ? [] : [`elements_per_beat: ${spec.perBeat}`]), ...(spec.axi ? ['axi_stream: true'] : [])];
    await appendFile(config, `${knobs.join('\n')}\n`);
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    // Every layer streams; the chain's latency adds up at the layers' ports.
    for (const layer of plan.layers) {
      const s = layer.stream!;
      expect(s).toBeDefined();
      expect(s.input.beats).toBe(Math.ceil(layerInput(layer).elements / s.input.elementsPerBeat));
      expect(s.output.beats).toBe(Math.ceil(layerOutput(layer).elements / s.output.elementsPerBeat));
      expect(s.timing.latency).toBe(s.input.beats + layer.timing.latency + 1);
    }
    expect(plan.timing.latency).toBe(plan.layers.reduce((a, l) => a + l.stream!.timing.latency, 0));
    expect(await lintDesign(out, plan.top)).toBe('');
    const seed = 'layer' in spec.design ? spec.design.layer.seed : spec.design.network.layers[0].seed;
    const r = await verifyDesign(out, { vectors: 150, seed, gapProbability: spec.gap, stallProbability: spec.stall });
    expect(r.failure).toBeUndefined();
    expect(r.mismatch).toBeNull();
    expect(r.timing?.measuredLatency).toBe(plan.timing.latency);
    expect(r.timing?.measuredIntervals).toEqual([plan.timing.initiationInterval]);
    const check = checkGoldenAgainstArtifact(r.design, await loadArtifact(model), r.inputs);
    expect(check.disagreement).toBeNull();
    if (spec.icarus) {
      const ic = await verifyDesign(out, { vectors: 40, seed, gapProbability: spec.gap, stallProbability: spec.stall, simulator: 'icarus', skipTiming: true });
      expect(ic.failure).toBeUndefined();
      expect(ic.mismatch).toBeNull();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('stream ports versus the golden model (property)', () => {
  it(`hold for ${RUNS} random stream designs (seed ${PBT_SEED + 9})`, async () => {
    await fc.assert(fc.asyncProperty(streamSpec, checkStream), { seed: PBT_SEED + 9, numRuns: RUNS, verbose: 1 });
  });
});
