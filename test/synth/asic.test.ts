/**
 * The ASIC target (IHP SG13G2, YoWASP Yosys: synth, dfflibmap, abc -liberty at the clock period,
 * stat -liberty) on the small synthesis layer and its MAC baseline: area per module that adds up to
 * the total, kGE at the NAND2 gate equivalent, every cell classified, ABC's delay per module, the
 * report files, and `lutnn compare`'s rows in area.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRows } from '../../generator/compare.ts';
import { genMac } from '../../generator/gen-mac.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { synthDesign, type SynthResult } from '../../generator/synth/run.ts';
import { loadSramMacros, tileSram } from '../../generator/synth/sram.ts';
import { writeRandomLayer } from '../support/random-layer.ts';
import { SMALL_SPEC } from './small-design.ts';

let root: string;
let lut: SynthResult;
let mac: SynthResult;
/** The same layer with writable tables (table_storage: ram): its block-style bank is an SRAM macro. */
let ram: SynthResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-asic-'));
  const a = await writeRandomLayer(join(root, 'art'), SMALL_SPEC);
  await genRtl({ ...a, out: join(root, 'lut') });
  await genMac({ ...a, out: join(root, 'mac'), regenerateCommand: 'test' });
  lut = await synthDesign(join(root, 'lut'), { target: 'sg13g2', freqMhz: 200 });
  mac = await synthDesign(join(root, 'mac'), { target: 'sg13g2', freqMhz: 200 });
  await appendFile(a.config, 'table_storage: ram\n');
  await genRtl({ ...a, out: join(root, 'ram') });
  ram = await synthDesign(join(root, 'ram'), { target: 'sg13g2', freqMhz: 200 });
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

  it('puts writable block-style tables in SRAM macros: the cheapest tiling, its area in the module row and the total', async () => {
    const a = ram.report.asic!;
    // One bank of 4 steps x 8 centroids = 32 words of 8 x INT8: one 64 x 64 macro.
    expect(a.srams).toEqual([{ module: 'rnd_l_table_rom', instances: 1, words: 32, bits: 64, macro: 'RM_IHPSG13_1P_64x64_c2_bm_bist', rows: 1, cols: 1, areaUm2: 50489.1328 }]);
    expect(ram.report.modules.find((m) => m.module === 'rnd_l_table_rom')?.areaUm2).toBe(50489.1328);
    const sum = ram.report.modules.reduce((t, m) => t + (m.areaUm2 ?? 0), 0);
    expect(sum).toBeCloseTo(a.areaUm2, 6);
    expect(a.kGE).toBeCloseTo(a.areaUm2 / 7.2576 / 1000, 9);
    for (const m of ram.report.modules) expect(m.other).toEqual({});
    expect(await readFile(join(ram.outDir, 'synth.ys'), 'utf8')).toMatch(/^blackbox rnd_l_table_rom$/m);
    expect(await readFile(join(ram.outDir, 'report.txt'), 'utf8')).toMatch(/^sram {7}rnd_l_table_rom \(x1, 32 x 64 bits each\): 1 x RM_IHPSG13_1P_64x64_c2_bm_bist each, 50489\.1 µm² = 6\.96 kGE/m);
    // ROM tables stay logic.
    expect(lut.report.asic!.srams).toEqual([]);
  });

  it('tiles a memory with the macro of least total area', async () => {
    const macros = await loadSramMacros('vendor/pdk/ihp-sg13g2');
    expect(macros.length).toBe(10);
    expect(macros.find((m) => m.cell === 'RM_IHPSG13_1P_256x64_c2_bm_bist')).toMatchObject({ words: 256, bits: 64, areaUm2: 93180.5344 });
    expect(tileSram(macros, 256, 64)).toEqual({ macro: 'RM_IHPSG13_1P_256x64_c2_bm_bist', rows: 1, cols: 1, areaUm2: 93180.5344 });
    const wide = tileSram(macros, 1024, 200);
    for (const m of macros) expect(wide.areaUm2).toBeLessThanOrEqual(Math.ceil(1024 / m.words) * Math.ceil(200 / m.bits) * m.areaUm2);
  });
});
