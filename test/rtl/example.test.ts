/**
 * The bundled example and hand-picked designs end to end: lint, Icarus portability, bit-exact
 * simulation with timing, and proof that the checker fails when the RTL is wrong (a corrupted
 * table word is caught with a waveform; a design that never answers trips the watchdog).
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { designSources } from '../../tb/build.ts';
import { verifyDesign } from '../../tb/verify.ts';
import { lintDesign } from '../support/lint.ts';
import { writeRandomLayer } from '../support/random-layer.ts';

let root: string;
let example: string;
let top: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-example-'));
  example = join(root, 'example');
  top = (await genRtl({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out: example })).plan.top;
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('bundled example', () => {
  it('is lint-clean under verilator -Wall', async () => {
    expect(await lintDesign(example, top)).toBe('');
  });

  it('elaborates in Icarus Verilog as plain Verilog-2005', async () => {
    const { verilog } = await designSources(example);
    const r = await execa('iverilog', ['-g2005', '-Wall', '-Wno-timescale', '-s', top, '-o', join(root, 'icarus.vvp'), ...verilog], { cwd: example, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all ?? '').toBe('');
  });

  it('matches the golden model on 3000 vectors with gaps and back-pressure, at the planned latency and II', async () => {
    const r = await verifyDesign(example, { vectors: 3000, seed: 5 });
    expect(r.mismatch).toBeNull();
    expect(r.failure).toBeUndefined();
    expect(r.timing).toMatchObject({ ok: true, measuredLatency: r.design.timing.latency, measuredIntervals: [r.design.timing.initiationInterval] });
  });

  it('catches a corrupted table word and dumps a waveform of the failing vector', async () => {
    const broken = join(root, 'broken-table');
    await cp(example, broken, { recursive: true });
    const bank = join(broken, 'example_fc1_table_bank0.memh');
    const lines = (await readFile(bank, 'utf8')).split('\n');
    // Flip one bit of every data word so that whatever index vector 0 uses is wrong.
    const flipped = lines.map((l) => (/^[0-9a-f]+$/.test(l) ? l.slice(0, -1) + (parseInt(l.at(-1)!, 16) ^ 1).toString(16) : l));
    await writeFile(bank, flipped.join('\n'));
    const r = await verifyDesign(broken, { vectors: 50, seed: 1, skipTiming: true });
    expect(r.mismatch).not.toBeNull();
    expect(r.mismatch!.vector).toBe(0);
    expect(r.mismatch!.got).not.toBe(r.mismatch!.expected);
    expect(existsSync(r.mismatch!.tracePath!)).toBe(true);
    expect((await readFile(r.mismatch!.tracePath!, 'utf8')).slice(0, 200)).toMatch(/\$date|\$version|\$timescale/);
  });

  it('trips the watchdog when the design never produces an output', async () => {
    const broken = join(root, 'broken-output');
    await cp(example, broken, { recursive: true });
    const acc = join(broken, 'example_fc1_accumulator.v');
    const text = await readFile(acc, 'utf8');
    expect(text).toContain('assign push_o      = push_q;');
    await writeFile(acc, text.replace('assign push_o      = push_q;', "assign push_o      = 1'b0;"));
    const r = await verifyDesign(broken, { vectors: 5, seed: 1, skipTiming: true });
    expect(r.ok).toBe(false);
    expect(r.failure).toMatch(/WATCHDOG: no output for \d+ cycles/);
  });
});

describe('a shape no other test uses (K=10, V=3, C=7, M=13)', () => {
  it('generates lint-clean RTL that matches the golden model on 10,000 vectors', async () => {
    const dir = join(root, 'unseen');
    const { model, config } = await writeRandomLayer(join(dir, 'artifact'), {
      K: 10, V: 3, C: 7, M: 13, inBits: 8, outBits: 8, tableBits: 8, metric: 'l2', activation: 'relu', source: 'weight',
      withBias: true, duplicateFraction: 0.1, outputScaleFactor: 0.3, codebooksPerCycle: 3, outputsPerCycle: 5,
      treeLevelsPerStage: 2, memoryStyle: 'auto', reset: 'sync', seed: 1013,
    });
    const out = join(dir, 'rtl');
    const { plan } = await genRtl({ model, config, out });
    expect(await lintDesign(out, plan.top)).toBe('');
    const r = await verifyDesign(out, { vectors: 10000, seed: 1 });
    expect(r.mismatch).toBeNull();
    expect(r.timing?.ok).toBe(true);
  });
});
