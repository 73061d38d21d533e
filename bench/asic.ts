/**
 * ASIC bench (npm run bench:asic): the encoder designs of bench/encoder-designs.ts on the IHP SG13G2
 * 130 nm standard cells (lutnn synth --target sg13g2): whole-layer and encoder-unit area in kGE,
 * ABC's longest path, against the MAC array of equal throughput and, for Stella Nera's shape,
 * against its published open run (halutmatmul README: NanGate45, C = 16, K = 16, M = 8, INT8 tables,
 * INT accumulation, 6.0 ns clock, 161.4 kGE, writable tables). Writes bench/asic.md.
 *
 *   npm run bench:asic [-- --designs stella,example --freq 166.67 --out <file.md>]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import type { LutLinearPlan } from '../generator/plan/types.ts';
import { genRtl } from '../generator/gen-rtl.ts';
import { synthDesign } from '../generator/synth/run.ts';
import { TOOL } from '../generator/version.ts';
import { loadDesign } from '../tb/verify.ts';
import { DESIGNS, ENCODERS, generateVariants, type Variant } from './encoder-designs.ts';

const { values: args } = parseArgs({ options: { designs: { type: 'string', default: 'stella' }, freq: { type: 'string', default: '166.67' }, out: { type: 'string' } } });
const FREQ = Number(args.freq);
const RESULTS = args.out ?? join(PROJECT_ROOT, 'bench', 'asic.md');
const WORK = join(PROJECT_ROOT, 'rtl-out', 'bench-asic');
const COMMAND = `npm run bench:asic -- --designs ${args.designs} --freq ${args.freq}`;
/** Stella Nera's open run (joennlae/halutmatmul README, NanGate45, 6.0 ns): total area in kGE. */
const STELLA_NERA_KGE = 161.4;

interface Row {
  design: string;
  /** An encoder variant, `mac`, or `<encoder>, ram`: the same layer with table_storage: ram (tables in SRAM macros). */
  variant: Variant | `${Variant}, ram`;
  ii: number;
  unitKge: number | null;
  layerKge: number;
  flops: number;
  worstPs: number | null;
  worstModule: string | null;
  /** Of layerKge, the SRAM macros of writable tables. */
  sramKge?: number;
}

const rows: Row[] = [];
const started = Date.now();
const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);

async function run(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  for (const name of args.designs!.split(',')) {
    const spec = DESIGNS[name];
    if (!spec) throw new Error(`unknown design ${name} (${Object.keys(DESIGNS).join(', ')})`);
    const dirs = await generateVariants(spec, WORK, COMMAND);
    for (const variant of [...ENCODERS, 'mac'] as const) {
      const dir = dirs[variant];
      const design = await loadDesign(dir);
      log(`${name} ${variant}: whole layer on sg13g2`);
      const whole = (await synthDesign(dir, { target: 'sg13g2', freqMhz: FREQ, out: join(dir, 'synth', 'sg13g2') })).report;
      let unitKge: number | null = null;
      if (variant !== 'mac') {
        const module = (design.layers[0] as LutLinearPlan).encoder.module;
        // The unit's area inside the whole-layer run (the hierarchy is kept, so no second synthesis).
        const m = whole.modules.filter((u) => u.module === module);
        unitKge = m.reduce((s, u) => s + (u.areaUm2 ?? 0), 0) / whole.asic!.nand2AreaUm2 / 1000;
      }
      rows.push({ design: name, variant, ii: design.timing.initiationInterval, unitKge, layerKge: whole.asic!.kGE, flops: whole.total.FF, worstPs: whole.asic!.worstDelayPs, worstModule: whole.asic!.worstDelayModule });
      await writeResults();
    }
    // Writable tables (table_storage: ram): the same layers with their tables in SRAM macros.
    const hwRam = join(WORK, `${name}-ram-hw.yaml`);
    await writeFile(hwRam, `${spec.hw}\ntable_storage: ram\n`);
    for (const variant of ENCODERS) {
      const dir = join(WORK, `${name}-${variant}-ram`);
      await genRtl({ model: join(WORK, `${name}-${variant}-artifact`, 'model.json'), config: hwRam, out: dir });
      log(`${name} ${variant}, table_storage: ram: whole layer on sg13g2`);
      const whole = (await synthDesign(dir, { target: 'sg13g2', freqMhz: FREQ, out: join(dir, 'synth', 'sg13g2') })).report;
      const design = await loadDesign(dir);
      const module = (design.layers[0] as LutLinearPlan).encoder.module;
      const unitKge = whole.modules.filter((u) => u.module === module).reduce((a, u) => a + (u.areaUm2 ?? 0), 0) / whole.asic!.nand2AreaUm2 / 1000;
      const sram = (whole.asic!.srams ?? []).reduce((a, m) => a + m.areaUm2, 0) / whole.asic!.nand2AreaUm2 / 1000;
      rows.push({ design: name, variant: `${variant}, ram`, ii: design.timing.initiationInterval, unitKge, layerKge: whole.asic!.kGE, sramKge: sram, flops: whole.total.FF, worstPs: whole.asic!.worstDelayPs, worstModule: whole.asic!.worstDelayModule });
      await writeResults();
    }
  }
}

const f2 = (x: number | null) => (x === null ? '-' : x.toFixed(2));

async function writeResults(): Promise<void> {
  const lines = [
    '# ASIC area on IHP SG13G2 (130 nm): LUT-NN encoders against the MAC array and Stella Nera',
    '',
    `Produced by \`${COMMAND}\` (bench/asic.ts, ${TOOL.name} ${TOOL.version}, YoWASP Yosys: synth, dfflibmap, abc -liberty -D ${Math.round(1e6 / FREQ)} ps, stat -liberty; docs/synthesis.md), ${new Date().toISOString().slice(0, 10)}.`,
    'Area is standard-cell area (no placement or wiring) in kGE, 1 GE = sg13g2_nand2_1 (7.2576 µm²). Tables are ROM logic (not writable), except in the `, ram` rows: `table_storage: ram`, tables writable through the load port, block-style banks in IHP single-port SRAM macros (their area from the macros’ Liberty files, generator/synth/sram.ts) and the bias in flops. The encoders’ step memories (the CCS’s centroids, the hash tree’s split columns and thresholds; E > 1 here) are ROM logic in the ROM rows and writable RAMs on the load port in the `, ram` rows (in flops below 64 words, else block-style in SRAM macros). The MAC array’s weights are ROM logic.',
    'The designs are bench/encoder-designs.ts’s: one seeded dense layer converted with each encoder at K = 16, V = 4, INT8 inputs and tables, and the MAC array of the same throughput.',
    `Stella Nera’s open run (joennlae/halutmatmul README: NanGate45, C = 16, K = 16, M = 8, INT8 tables, INT accumulation, 6.0 ns clock, writable tables) is ${STELLA_NERA_KGE} kGE; NanGate45 and SG13G2 gate equivalents are each their library’s NAND2, so the ratio compares gate counts, not µm².`,
    '',
  ];
  for (const name of [...new Set(rows.map((r) => r.design))]) {
    const mac = rows.find((r) => r.design === name && r.variant === 'mac');
    lines.push(`## ${DESIGNS[name].what}`, '', '| variant | encoder unit kGE | whole layer kGE | of which SRAM kGE | flops | II | kGE × II vs MAC | vs Stella Nera (161.4 kGE) | longest path (ps, module) |', '|---|---|---|---|---|---|---|---|---|');
    for (const r of rows.filter((x) => x.design === name)) {
      const axc = mac && r.variant !== 'mac' ? ((r.layerKge * r.ii) / (mac.layerKge * mac.ii)).toFixed(2) : '-';
      const stella = name === 'stella' ? (r.layerKge / STELLA_NERA_KGE).toFixed(2) : '-';
      lines.push(`| ${r.variant} | ${f2(r.unitKge)} | ${f2(r.layerKge)} | ${r.sramKge === undefined ? '-' : f2(r.sramKge)} | ${r.flops} | ${r.ii} | ${axc} | ${stella} | ${r.worstPs === null ? '-' : `${r.worstPs.toFixed(0)} (${r.worstModule})`} |`);
    }
    lines.push('');
  }
  await writeFile(RESULTS, `${lines.join('\n')}\n`);
}

await run();
log(`wrote ${RESULTS}`);
