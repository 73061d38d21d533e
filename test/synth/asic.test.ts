/**
 * The ASIC target (IHP SG13G2, YoWASP Yosys: synth, dfflibmap, abc -liberty at the clock period,
 * stat -liberty) on the small synthesis layer and its MAC baseline: area per module that adds up to
 * the total, kGE at the NAND2 gate equivalent, every cell classified, ABC's delay per module, the
 * report files, and `lutnn compare`'s rows in area.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRows } from '../../generator/compare.ts';
import { genMac } from '../../generator/gen-mac.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { synthDesign, type SynthResult } from '../../generator/synth/run.ts';
import { writeRandomLayer } from '../support/random-layer.ts';
import { SMALL_SPEC } from './small-design.ts';

let root: string;
let lut: SynthResult;
let mac: SynthResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-asic-'));
  const a = await writeRandomLayer(join(root, 'art'), SMALL_SPEC);
  await genRtl({ ...a, out: join(root, 'lut') });
  await genMac({ ...a, out: join(root, 'mac'), regenerateCommand: 'test' });
  lut = await synthDesign(join(root, 'lut'), { target: 'sg13g2', freqMhz: 200 });
  mac = await synthDesign(join(root, 'mac'), { target: 'sg13g2', freqMhz: 200 });
}, 600_000);
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('ASIC target sg13g2', () => {
  it('reports area per module in µm² adding up to the total, and kGE at 1 GE = sg13g2_nand2_1', () => {
    const r = lut.report;
    const a = r.asic!;
    expect(a.nand2Cell).toBe('sg13g2_nand2_1');
    expect(a.areaUm2).toBeGreaterThan(1000);
    expect(a.kGE).toBeCloseTo(a.areaUm2 / 7.2576 / 1000, 9);
    const sum = r.modules.reduce((s, m) => s + (m.areaUm2 ?? 0), 0);
    expect(sum).toBeCloseTo(a.areaUm2, 6);
    // Every mapped cell is a library cell the report classifies; the table ROM became flops and logic.
    for (const m of r.modules) expect(Object.keys(m.other).filter((t) => t.startsWith('sg13g2_'))).toEqual([]);
    expect(r.total.FF).toBeGreaterThan(0);
    expect(r.total.BRAM).toBe(0);
    expect(r.memories).toEqual([]);
    expect(r.estimate).toBeNull();
    expect(r.pnrStatus).toBe('not-run');
  });

  it('reads ABC\'s longest path per module at the 5 ns target', () => {
    const a = lut.report.asic!;
    expect(a.clockPeriodPs).toBe(5000);
    const accumulator = Object.keys(a.delays).find((m) => m.endsWith('_accumulator'));
    expect(accumulator).toBeDefined();
    expect(a.delays[accumulator!]).toBeGreaterThan(100);
    expect(a.worstDelayPs).toBe(Math.max(...Object.values(a.delays)));
  });

  it('writes the report with area and delay lines and the script it ran', async () => {
    const text = await readFile(join(lut.outDir, 'report.txt'), 'utf8');
    expect(text).toMatch(/area µm²\s+kGE\s+delay ps/);
    expect(text).toMatch(/^area {7}[\d.]+ µm² = [\d.]+ kGE \(1 GE = sg13g2_nand2_1, 7\.2576 µm²\)/m);
    expect(text).toMatch(/^delay {6}ABC's longest path \d+ ps in \S+ against a 5000 ps target \(200\.0 MHz\): (MET|FAILED)/m);
    const script = await readFile(join(lut.outDir, 'synth.ys'), 'utf8');
    expect(script).toContain('abc -liberty cells.lib -D 5000');
    expect(JSON.parse(await readFile(join(lut.outDir, 'report.json'), 'utf8')).asic.kGE).toBeCloseTo(lut.report.asic!.kGE, 9);
  });

  it('compares LUT-NN and MAC array in kGE and kGE × cycles', () => {
    const rows = compareRows({ design: 'lut', ii: 4, latency: 10, synth: lut }, { design: 'mac', ii: 4, latency: 8, synth: mac });
    const area = rows.find((r) => r.metric === 'area (kGE)')!;
    expect(area.lut).toBeCloseTo(lut.report.asic!.kGE, 9);
    expect(area.mac).toBeCloseTo(mac.report.asic!.kGE, 9);
    expect(rows.find((r) => r.metric === 'area x cycles (kGE x II)')!.ratio).toBeCloseTo(area.ratio!, 9);
  });
});
