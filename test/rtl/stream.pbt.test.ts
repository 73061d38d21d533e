/**
 * Property: stream ports (hw.yaml io: stream, elements_per_beat, axi_stream) on random layers and
 * random 2–3 layer chains, with beat sizes from one element to more than a vector (short last
 * beats included), lut_linear groups leaving as beats through the beat FIFO when a group is whole
 * beats, and byte-aligned AXI4-Stream lanes for any element width: lint-clean RTL,
 * bit-exact against the golden model with random gaps between beats and random back-pressure,
 * latency (first beat in to first beat out) and II exactly as planned (plan/stream.ts), tlast on
 * every vector's last output beat (the harness fails otherwise), and the golden model equal to the
 * artifact's independent reference. Some draws also run in Icarus. A third of the draws put every
 * layer that can have one on a banked block-RAM input buffer (input_buffer: block, where the
 * layout allows it by the rule in docs/hw-config.md, computed here from the layer's knobs); a third
 * pin registers.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { checkGoldenAgainstArtifact } from '../../generator/golden/artifact-reference.ts';
import { layerInput, layerOutput } from '../../generator/plan/layer-io.ts';
import type { LayerPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { expectBitExactAndTimed, PBT_SEED } from '../support/check-random-layer.ts';
import { lintDesign } from '../support/lint.ts';
import { firstLayerOf, randomDesignSpec, writeRandomDesign, type RandomDesignSpec } from '../support/random-design.ts';

const RUNS = Number(process.env.LUTNN_PBT_STREAM_RUNS ?? 8);

interface StreamSpec {
  design: RandomDesignSpec;
  /** elements_per_beat; 'auto' leaves the default (a 64-bit bus of byte lanes); 'group' is the layers' outputs_per_cycle, so lut_linear groups leave as beats (beatOutput). */
  perBeat: number | 'auto' | 'group';
  axi: boolean;
  icarus: boolean;
  gap: number;
  stall: number;
  /** input_buffer: `block` is set on exactly the layers whose layout allows it. */
  buffer: 'auto' | 'registers' | 'block';
}

/** Whether a layer can read a banked buffer (docs/hw-config.md "Ports"): a step's elements whole beats, whole steps in the vector. */
function blockPossible(layer: LayerPlan, perBeat: number): boolean {
  if (layer.kind !== 'lut_linear') return false;
  const { C, V } = layer.dims;
  const Pc = layer.parallel.codebooksPerCycle;
  return C % Pc === 0 && (Pc * V) % perBeat === 0;
}

const streamSpec: fc.Arbitrary<StreamSpec> = fc.record({
  design: randomDesignSpec,
  perBeat: fc.oneof(fc.constant('auto' as const), fc.constant('group' as const), fc.constantFrom(1, 2, 3), fc.integer({ min: 1, max: 40 })),
  axi: fc.boolean(),
  icarus: fc.constantFrom(false, false, true),
  gap: fc.constantFrom(0, 0.3, 0.6),
  stall: fc.constantFrom(0, 0.3, 0.6),
  buffer: fc.constantFrom('auto' as const, 'registers' as const, 'block' as const),
});

async function checkStream(spec: StreamSpec): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'lutnn-stream-'));
  try {
    const art = join(dir, 'artifact');
    const { model, config } = await writeRandomDesign(art, spec.design);
    const first = firstLayerOf(spec.design);
    const perBeat = spec.perBeat === 'group' ? (first.outputsPerCycle === 'all' ? first.M : first.outputsPerCycle) : spec.perBeat;
    const knobs = ['io: stream', ...(perBeat === 'auto' ? [] : [`elements_per_beat: ${perBeat}`]), ...(spec.axi ? ['axi_stream: true'] : [])];
    if (spec.buffer === 'registers') knobs.push('input_buffer: registers');
    await appendFile(config, `${knobs.join('\n')}\n`);
    const out = join(dir, 'rtl');
    let { plan } = await genRtl({ model, config, out });
    const blockLayers = spec.buffer === 'block' ? plan.layers.filter((l) => blockPossible(l, l.stream!.input.elementsPerBeat)).map((l) => l.name) : [];
    if (blockLayers.length > 0) {
      const cfg = parse(await readFile(config, 'utf8')) as { layers?: Record<string, Record<string, unknown>> };
      cfg.layers ??= {};
      for (const name of blockLayers) cfg.layers[name] = { ...(cfg.layers[name] ?? {}), input_buffer: 'block' };
      await writeFile(config, stringify(cfg));
      const parallel = plan;
      ({ plan } = await genRtl({ model, config, out }));
      // The buffer changes no lut_linear timing: its banks are offered when the register's vector was.
      expect(plan.timing).toEqual(parallel.timing);
    }
    // Every layer streams; the chain's latency adds up at the layers' ports.
    for (const layer of plan.layers) {
      const s = layer.stream!;
      expect(s).toBeDefined();
      expect(s.input.beats).toBe(Math.ceil(layerInput(layer).elements / s.input.elementsPerBeat));
      expect(s.output.beats).toBe(Math.ceil(layerOutput(layer).elements / s.output.elementsPerBeat));
      // A core giving beats (lut_linear groups through its beat FIFO) needs no serializer register.
      expect(s.nativeOutput).toBe(layer.kind === 'lut_linear' && layer.beatOutput !== undefined);
      expect(s.timing.latency).toBe(s.input.beats + layer.timing.latency + (s.nativeOutput ? 0 : 1));
      // auto: block RAM from 4 Kibit (two banks of the vector) and lane memories of 64 words (two banks of E, rounded up to a power of two) where the layout allows it.
      const steps = layer.kind === 'lut_linear' ? layer.parallel.encodeSteps : 1;
      const auto = spec.buffer === 'auto' && blockPossible(layer, s.input.elementsPerBeat) && 2 * layerInput(layer).elements * layerInput(layer).bits >= 4096 && 2 * 2 ** Math.ceil(Math.log2(steps)) >= 64;
      expect(s.inputBuffer.storage).toBe(blockLayers.includes(layer.name) || auto ? 'block' : 'registers');
    }
    expect(plan.timing.latency).toBe(plan.layers.reduce((a, l) => a + l.stream!.timing.latency, 0));
    expect(await lintDesign(out, plan.top)).toBe('');
    const seed = firstLayerOf(spec.design).seed;
    const r = await verifyDesign(out, { vectors: 150, seed, gapProbability: spec.gap, stallProbability: spec.stall });
    expectBitExactAndTimed(r, plan);
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
