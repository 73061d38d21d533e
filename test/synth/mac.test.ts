/**
 * The MAC-array baseline: dense weights derived as documented, bit-exact against its golden dense
 * integer model in Verilator (with latency and II equal to the plan and to the LUT-NN layer's),
 * lint-clean and byte-deterministic.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../generator/artifact/load.ts';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { genMac } from '../../generator/gen-mac.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { LutLinearLayer } from '../../generator/artifact/types.ts';
import { denseWeights } from '../../generator/plan/mac-linear.ts';
import { bankedInput } from '../../generator/plan/stream.ts';
import type { MacLinearPlan } from '../../generator/plan/types.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { writeRandomLayer } from '../support/random-layer.ts';
import { SMALL_SPEC } from './small-design.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-mac-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('dense weights of the MAC baseline', () => {
  it("reshapes LUT-NN's weight (C, V, M) to (D, M)", async () => {
    const a = await loadArtifact(BUNDLED_EXAMPLE.model);
    const layer = a.layers[0] as LutLinearLayer;
    const w = denseWeights(layer);
    expect(w.source).toBe(layer.table.kind === 'weight' ? 'weight' : 'lut-least-squares');
    expect(w.real.length).toBe(layer.inFeatures * layer.outFeatures);
  });

  it('recovers the weights by least squares when the artifact has only a float table built as P·B', async () => {
    const a = await writeRandomLayer(join(root, 'w'), { ...SMALL_SPEC, source: 'weight' });
    const f = await writeRandomLayer(join(root, 'f'), { ...SMALL_SPEC, source: 'float' });
    const lw = (await loadArtifact(a.model)).layers[0] as LutLinearLayer;
    const lf = (await loadArtifact(f.model)).layers[0] as LutLinearLayer;
    expect(denseWeights(lf).source).toBe('lut-least-squares');
    // Same seed, same centroids: build the float table from the weight artifact and fit it back.
    const { realTable } = await import('../../generator/plan/table.ts');
    const fromTable: LutLinearLayer = { ...lw, table: { kind: 'float', lut: { name: 't', dtype: 'F32', shape: [lw.numCodebooks, lw.numCentroids, lw.outFeatures], data: realTable(lw) } } };
    const fit = denseWeights(fromTable).real;
    const truth = denseWeights(lw).real;
    for (let i = 0; i < truth.length; i++) expect(fit[i]).toBeCloseTo(truth[i], 6);
  });
});

describe('MAC baseline RTL versus its golden dense model', () => {
  it('the bundled example: bit-exact, same II as the LUT-NN layer, lint-clean, deterministic', async () => {
    const out = join(root, 'example-mac');
    const lut = await genRtl({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out: join(root, 'example-lut') });
    const mac = await genMac({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out, regenerateCommand: 'npx lutnn compare examples/lut_linear_64x32 --no-synth' });
    const layer = mac.plan.layers[0] as MacLinearPlan;
    expect(layer.parallel.outputsPerCycle).toBe(32);
    expect(mac.plan.timing.initiationInterval).toBe(lut.plan.timing.initiationInterval);
    expect(mac.plan.io).toEqual(lut.plan.io);
    expect(await lintDesign(out, mac.plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 400, seed: 3 });
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    expect(r.timing?.ok, JSON.stringify(r.timing)).toBe(true);
    const before = await readFile(join(out, `${mac.plan.top}.v`), 'utf8');
    await genMac({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out, regenerateCommand: 'npx lutnn compare examples/lut_linear_64x32 --no-synth' });
    expect(await readFile(join(out, `${mac.plan.top}.v`), 'utf8')).toBe(before);
  });

  it.each([
    ['several output groups, one input step, async reset', 'outputs_per_cycle: 3\nreset: async\n'],
    ['two input steps, two output groups, block weights', 'codebooks_per_cycle: 2\noutputs_per_cycle: 5\nmemory_style: block\n'],
  ])('%s: bit-exact with timing', async (_name, yaml) => {
    const a = await writeRandomLayer(join(root, `r${yaml.length}`), { ...SMALL_SPEC, source: 'int', activation: 'none' });
    await writeFile(a.config, yaml);
    const out = join(root, `mac${yaml.length}`);
    const mac = await genMac({ ...a, out, regenerateCommand: 'test' });
    expect(await lintDesign(out, mac.plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 300, seed: 5 });
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok, JSON.stringify(r.timing)).toBe(true);
  });

  // Stream ports: the MAC array gives its groups to the lut_linear layer's beat FIFO when the
  // LUT-NN layer does (and a group's beats drain within its S steps), else the serializer.
  // The banked input buffer (input_buffer: block) replaces the array's holding and working registers.
  it.each([
    ['beat FIFO, several groups and input steps', 'io: stream\nelements_per_beat: 2\ncodebooks_per_cycle: 1\noutputs_per_cycle: 4\ninput_buffer: registers\n', true, false],
    ['beat FIFO, one group, async reset', 'io: stream\nelements_per_beat: 2\ncodebooks_per_cycle: 1\nreset: async\ninput_buffer: registers\n', true, false],
    ['serializer (outputs per cycle not whole beats)', 'io: stream\nelements_per_beat: 3\ncodebooks_per_cycle: 2\noutputs_per_cycle: 4\n', false, false],
    ['banked input, words of two beats, several groups', 'io: stream\nelements_per_beat: 2\ncodebooks_per_cycle: 2\noutputs_per_cycle: 4\ninput_buffer: block\n', true, true],
    ['banked input, one word per vector, serializer, async reset', 'io: stream\nelements_per_beat: 4\ncodebooks_per_cycle: 4\nreset: async\ninput_buffer: block\n', false, true],
  ])('stream ports, %s: bit-exact with timing, same ports as the LUT-NN layer', async (_name, yaml, beatFifo, banked) => {
    const a = await writeRandomLayer(join(root, `s${yaml.length}`), { ...SMALL_SPEC, source: 'int', activation: 'relu' });
    await writeFile(a.config, yaml);
    const out = join(root, `mac-s${yaml.length}`);
    const mac = await genMac({ ...a, out, regenerateCommand: 'test' });
    const lut = await genRtl({ ...a, out: join(root, `lut-s${yaml.length}`) });
    const layer = mac.plan.layers[0] as MacLinearPlan;
    expect(layer.beatOutput !== undefined).toBe(beatFifo);
    expect(bankedInput(layer) !== undefined).toBe(banked);
    expect(bankedInput(lut.plan.layers[0]) !== undefined).toBe(banked);
    expect(mac.plan.io).toEqual(lut.plan.io);
    expect(mac.plan.timing.initiationInterval).toBe(lut.plan.timing.initiationInterval);
    expect(await lintDesign(out, mac.plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 300, seed: 6, gapProbability: 0.3, stallProbability: 0.3 });
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    const timed = await verifyDesign(out, { vectors: 200, seed: 7 });
    expect(timed.timing?.ok, JSON.stringify(timed.timing)).toBe(true);
  });
});
