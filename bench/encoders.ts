/**
 * Encoder bench (npm run bench:encoders): what each encoder costs at equal K, V and throughput.
 * For the bundled example's shape (64 → 32, K = 16, V = 4, 4 codebooks per cycle) and a 256 → 256
 * layer (K = 16, V = 4, one codebook and 16 outputs per cycle), the same dense layer is converted
 * (lutnn convert's code path, seeded) three ways — closest-centroid search with l2 and with l1 on
 * the k-means centroids, and MADDNESS hash trees (depth 4) — and each design is synthesised with
 * YoWASP Yosys: the encoder unit alone and the whole layer, beside the MAC-array baseline of equal
 * throughput. Prints the table and writes bench/encoders.md (rewritten after every design, so an
 * interrupted run keeps what it measured).
 *
 *   npm run bench:encoders [-- --targets ice40-hx8k,ecp5,xilinx-7 --designs example,l256 --units-only --resume --out <file.md>]
 *
 * `--resume` keeps the figures of an earlier run (the .json beside the .md) and synthesises only what
 * is missing; the whole run takes about two hours on one core (the l2 CCS of the example is most of it).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import type { LutLinearPlan } from '../generator/plan/types.ts';
import { synthDesign, unitEstimate } from '../generator/synth/run.ts';
import type { SynthReport } from '../generator/synth/report.ts';
import { getTarget, TARGET_NAMES, type TargetName } from '../generator/synth/targets.ts';
import { estimateDesign } from '../generator/synth/estimate.ts';
import { loadDesign } from '../tb/verify.ts';
import { DESIGNS, ENCODERS, generateVariants, type EncoderName } from './encoder-designs.ts';
import { TOOL } from '../generator/version.ts';

const { values: args } = parseArgs({
  options: {
    targets: { type: 'string', default: 'ice40-hx8k,ecp5,xilinx-7' },
    designs: { type: 'string', default: 'example,l256' },
    out: { type: 'string' },
    'units-only': { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
  },
});
const TARGETS = args.targets!.split(',') as TargetName[];
for (const t of TARGETS) if (!(TARGET_NAMES as readonly string[]).includes(t)) throw new Error(`unknown target ${t} (${TARGET_NAMES.join(', ')})`);
const RESULTS = args.out ?? join(PROJECT_ROOT, 'bench', 'encoders.md');
const WORK = join(PROJECT_ROOT, 'rtl-out', 'bench-encoders');
const COMMAND = `npm run bench:encoders -- --targets ${TARGETS.join(',')} --designs ${args.designs}${args['units-only'] ? ' --units-only' : ''}`;

type Counts = { LUT: number; FF: number; BRAM: number; DSP: number };

interface Measured {
  design: string;
  target: TargetName;
  encoder: EncoderName | 'mac';
  /** Yosys's counts of the encoder unit alone and of the whole layer. */
  unit: Counts | null;
  layer: Counts | null;
  /** The analytic estimate of the encoder unit's LUTs (synth/estimate.ts, from the plan). */
  estimateUnitLut: number | null;
}

/** Raw figures beside the Markdown (`--resume` keeps those of an interrupted run: RTL generation is deterministic). */
const RAW = RESULTS.replace(/\.md$/, '') + '.json';
const measured: Measured[] = args.resume && existsSync(RAW) ? (JSON.parse(await readFile(RAW, 'utf8')) as Measured[]) : [];
const started = Date.now();
const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);

const counts = (r: SynthReport) => ({ LUT: r.total.LUT, FF: r.total.FF, BRAM: r.total.BRAM, DSP: r.total.DSP });

async function run(): Promise<void> {
  await mkdir(WORK, { recursive: true });
  const designDirs = new Map<string, Record<EncoderName | 'mac', string>>();
  for (const name of args.designs!.split(',')) {
    const spec = DESIGNS[name];
    if (!spec) throw new Error(`unknown design ${name} (${Object.keys(DESIGNS).join(', ')})`);
    designDirs.set(name, await generateVariants(spec, WORK, COMMAND));
  }
  // Encoder units first on every target (the figure the target is about), then the whole layers,
  // which take far longer; results are rewritten after every synthesis.
  for (const phase of ['unit', 'layer'] as const) {
    for (const [name, dirs] of designDirs) {
      for (const target of TARGETS) {
        for (const encoder of [...ENCODERS, 'mac'] as const) {
          if (phase === 'unit' && encoder === 'mac') continue;
          if (phase === 'layer' && args['units-only']) continue;
          const dir = dirs[encoder];
          const row = entry(name, target, encoder);
          if (phase === 'unit') {
            const design = await loadDesign(dir);
            const module = (design.layers[0] as LutLinearPlan).encoder.module;
            row.estimateUnitLut = unitEstimate(estimateDesign(design, getTarget(target)), module)?.total.LUT ?? null;
            if (row.unit) continue;
            log(`${name} ${encoder} on ${target}: encoder unit ${module}`);
            row.unit = counts((await synthDesign(dir, { target, pnr: false, module, out: join(dir, 'synth', `${target}-${module}`) })).report);
          } else {
            if (row.layer) continue;
            log(`${name} ${encoder} on ${target}: whole layer`);
            row.layer = counts((await synthDesign(dir, { target, pnr: false, out: join(dir, 'synth', target) })).report);
          }
          await writeResults();
        }
      }
    }
  }
}

/** The row of one design, target and encoder (created empty on first use). */
function entry(design: string, target: TargetName, encoder: EncoderName | 'mac'): Measured {
  let m = measured.find((r) => r.design === design && r.target === target && r.encoder === encoder);
  if (!m) {
    m = { design, target, encoder, unit: null, layer: null, estimateUnitLut: null };
    measured.push(m);
  }
  return m;
}

function pct(a: number, b: number): string {
  return b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '-';
}

async function writeResults(): Promise<void> {
  const lines = [
    '# Encoders: closest-centroid search against the MADDNESS hash tree',
    '',
    `Produced by \`${COMMAND}\` (bench/encoders.ts, ${TOOL.name} ${TOOL.version}, Yosys via YoWASP, no place-and-route), ${new Date().toISOString().slice(0, 10)}.`,
    'The same dense layer (seeded, ReLU, inputs clustered per sub-vector) converted three ways at K = 16, V = 4 and equal throughput:',
    'closest-centroid search on k-means centroids with l2 and with l1, and MADDNESS hash trees of depth 4 (`lutnn convert --encoder hash-tree`).',
    'The MAC baseline is `lutnn compare`’s dense INT8 array of the same throughput. LUT = LC (LUT4) on iCE40, LUT4 on ECP5, LUT1–6 on Xilinx 7.',
    'On ECP5 and Xilinx 7 Yosys puts the l2 CCS’s products (and the MAC array’s) into DSP blocks: the DSP column is part of their cost, and LUT ratios there leave it out; the hash tree and the l1 CCS use none.',
    'The estimate column is the analytic estimate of the encoder unit (synth/estimate.ts, no synthesis).',
    '',
  ];
  for (const name of [...new Set(measured.map((m) => m.design))]) {
    lines.push(
      `## ${DESIGNS[name].what}`,
      '',
      '| target | encoder | encoder unit LUT | FF | DSP | vs l2 CCS (LUT) | estimate (LUT) | whole layer LUT | FF | BRAM | DSP | vs MAC (LUT) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const target of TARGETS) {
      const rows = measured.filter((m) => m.design === name && m.target === target);
      const l2 = rows.find((m) => m.encoder === 'ccs-l2');
      const mac = rows.find((m) => m.encoder === 'mac');
      for (const m of rows) {
        const u = m.unit;
        const l = m.layer;
        lines.push(
          `| ${target} | ${m.encoder} | ${u?.LUT ?? '-'} | ${u?.FF ?? '-'} | ${u?.DSP ?? '-'} | ${u && l2?.unit ? pct(u.LUT, l2.unit.LUT) : '-'} | ${m.estimateUnitLut ?? '-'} | ${l?.LUT ?? '-'} | ${l?.FF ?? '-'} | ${l?.BRAM ?? '-'} | ${l?.DSP ?? '-'} | ${l && mac?.layer && m.encoder !== 'mac' ? pct(l.LUT, mac.layer.LUT) : '-'} |`,
        );
      }
    }
    lines.push('');
  }
  await writeFile(RESULTS, `${lines.join('\n')}\n`);
  await writeFile(RAW, `${JSON.stringify(measured, null, 1)}\n`);
}

await run();
log(`wrote ${RESULTS}`);
process.stdout.write(await readFile(RESULTS, 'utf8'));
