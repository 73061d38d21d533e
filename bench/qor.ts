/**
 * QoR bench (npm run bench:qor): the bundled example layer and a 256→256 layer (V = 4, K = 16),
 * each as LUT-NN hardware and as the MAC-array baseline of equal throughput, synthesised with
 * YoWASP Yosys for every target (place-and-route with nextpnr-ice40 on iCE40 HX8K when the design
 * fits), plus unit-level place-and-route of the closest-centroid search and the accumulator.
 * Writes bench/results.md (rewritten after every finished run, so an interrupted bench keeps
 * what it measured). Options: --targets a,b  --designs example,l256  --skip-units  --out <file.md>
 * (another results file, so parts of the table can be measured in parallel processes)
 * --pnr-timeout <seconds> (default 600); `--designs none` measures the units only.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { artifactManifest, lutLinearLayer } from '../generator/artifact/build.ts';
import { writeArtifact } from '../generator/artifact/write.ts';
import { compareRows, formatCompare, type CompareSide } from '../generator/compare.ts';
import { genMac } from '../generator/gen-mac.ts';
import { genRtl } from '../generator/gen-rtl.ts';
import { PROJECT_ROOT } from '../generator/emit/render.ts';
import type { SynthReport } from '../generator/synth/report.ts';
import { synthDesign } from '../generator/synth/run.ts';
import { TARGET_NAMES, type TargetName } from '../generator/synth/targets.ts';
import { Rng } from '../generator/util/rng.ts';
import { TOOL } from '../generator/version.ts';

const COMMAND = 'npm run bench:qor';
const WORK = join(PROJECT_ROOT, 'rtl-out', 'bench-qor');
let RESULTS = join(PROJECT_ROOT, 'bench', 'results.md');
const FREQ = 175;
/**
 * A nextpnr run that hangs (some seeds do) is stopped after this long (wall clock) and reported
 * as timed out; --pnr-timeout <s> raises it when other jobs share the machine.
 */
let PNR_TIMEOUT = 600;

/** A synthetic K = 16, V = 4 LUT-NN layer (LUT-NN weight form, INT8 in/out, ReLU). */
async function writeSynthetic(dir: string, name: string, description: string, D: number, M: number, seed: number, weightStd: number): Promise<string> {
  const V = 4;
  const K = 16;
  const C = D / V;
  const rng = new Rng(seed);
  const fc = lutLinearLayer({
    name: 'fc',
    inFeatures: D,
    outFeatures: M,
    numCentroids: K,
    subvectorLen: V,
    centroids: Array.from({ length: C * K * V }, () => rng.normal()),
    weight: Array.from({ length: C * V * M }, () => rng.normal() * weightStd),
    bias: Array.from({ length: M }, () => rng.normal() * 0.1),
    activation: 'relu',
    input: { bits: 8, scale: 0.03 },
    output: { bits: 8, scale: 0.05 },
  });
  return writeArtifact(dir, artifactManifest(name, `${description}, synthetic values (QoR bench)`, [fc.layer]), fc.tensors);
}

/** A 256→256 LUT-NN layer, K = 16, V = 4 (C = 64). */
async function write256(dir: string): Promise<{ model: string; config: string }> {
  const model = await writeSynthetic(dir, 'l256', '256->256 LUT-NN layer, K=16, V=4', 256, 256, 256, 0.06);
  const config = join(dir, 'hw.yaml');
  // One codebook and 16 outputs per cycle: the smallest configuration whose CCS lane is K = 16, V = 4.
  await writeFile(config, 'codebooks_per_cycle: 1\noutputs_per_cycle: 16\ntree_levels_per_stage: 1\nmemory_style: auto\n');
  return { model, config };
}

/**
 * C codebooks of the example's shape (K = 16, V = 4, M = 32, INT8): with C = 1 the largest
 * closest-centroid lane of that shape that fits an iCE40 HX8K (its centroids are constants).
 */
async function writeSlice(dir: string, C = 1): Promise<{ model: string; config: string }> {
  const model = await writeSynthetic(dir, 'slice', `${C} codebook(s) of the example shape (K=16, V=4, M=32)`, 4 * C, 32, 16, 0.3);
  const config = join(dir, 'hw.yaml');
  await writeFile(config, 'tree_levels_per_stage: 1\n');
  return { model, config };
}



interface Row {
  design: string;
  target: TargetName;
  rows: ReturnType<typeof compareRows>;
  lut: SynthReport;
  mac: SynthReport;
}

interface UnitRow {
  design: string;
  module: string;
  /** The best of the seeds tried (the report of that run). */
  report: SynthReport | null;
  /** Fmax of every seed tried, in seed order. */
  seeds: { seed: number; fmax: number | null }[];
  error?: string;
}

/** nextpnr placement seeds per unit: placement at high utilisation varies by ±10 % from seed to seed. */
const UNIT_SEEDS = [1, 2, 3];

const rowsDone: Row[] = [];
const failures: { design: string; target: TargetName; side: string; reason: string }[] = [];
const unitsDone: UnitRow[] = [];
const notes: string[] = [];
const started = Date.now();

function fmt(v: number | null | undefined, d = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return Number.isInteger(v) ? String(v) : v.toFixed(d);
}

/** One line for the results file: the error's summary (it says when Yosys ran out of memory). */
function failureReason(err: Error): string {
  return err.message.split('\n')[0];
}

function pnrCell(r: SynthReport): string {
  if (r.pnr) return `${fmt(r.pnr.fmaxMhz)}${r.pnr.met ? '' : ' (fail)'}`;
  if (r.pnrError) return /does not fit|no BELs remaining|Unable to place|Failed to expand region/.test(r.pnrError) ? 'does not fit' : /did not finish/.test(r.pnrError) ? 'PnR timed out' : 'PnR error';
  return '-';
}

async function writeResults(final: boolean): Promise<void> {
  const out: string[] = [
    '# QoR: LUT-NN hardware versus a MAC array of equal throughput',
    '',
    `Produced by \`${COMMAND}\` (bench/qor.ts) with lutnn-hdl ${TOOL.version}, YoWASP Yosys and nextpnr-ice40` +
      ` (${((Date.now() - started) / 60000).toFixed(0)} min on a shared 2-core machine)${final ? '' : ' — PARTIAL: the bench was still running when this was written'}.`,
    'Every design is synthesised out of context (Yosys `synth_<family>`, hierarchy kept); place-and-route runs on iCE40 HX8K only,',
    `at a ${FREQ} MHz constraint, through a serial I/O wrapper (docs/synthesis.md). LUT is LUT4 (LC) except xilinx-7 (LUT6);`,
    'BRAM is the family\'s block RAM primitive (iCE40 EBR 4 kbit, ECP5 DP16KD, 7-series RAMB36, Gowin BSRAM).',
    'The MAC array has the same ports, outputs per cycle and initiation interval as the LUT-NN layer (docs/synthesis.md, "MAC baseline").',
    '',
    '| design | target | LUT-NN LUT | MAC LUT | LUT ratio | LUT-NN FF | MAC FF | LUT-NN BRAM | MAC BRAM | LUT-NN DSP | MAC DSP | LUT-NN Fmax | MAC Fmax | II | area x cycles ratio | est. LUT (LUT-NN / MAC) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rowsDone) {
    const ratio = (m: string) => r.rows.find((x) => x.metric.startsWith(m));
    const lut = r.lut.total;
    const mac = r.mac.total;
    const ii = ratio('cycles per vector');
    const axc = r.rows.find((x) => x.metric.startsWith('area x cycles'));
    out.push(
      `| ${r.design} | ${r.target} | ${fmt(lut.LUT)} | ${fmt(mac.LUT)} | ${fmt(lut.LUT / mac.LUT, 2)} | ${fmt(lut.FF)} | ${fmt(mac.FF)} | ${fmt(lut.BRAM)} | ${fmt(mac.BRAM)} | ${fmt(lut.DSP)} | ${fmt(mac.DSP)} | ${pnrCell(r.lut)} | ${pnrCell(r.mac)} | ${fmt(ii?.lut)} | ${fmt(axc?.ratio, 2)} | ${fmt(r.lut.estimate?.total.LUT)} / ${fmt(r.mac.estimate?.total.LUT)} |`,
    );
  }
  for (const f of failures) out.push(`| ${f.design} | ${f.target} | ${f.side} synthesis failed: ${f.reason.replace(/\|/g, '/')} |`);
  out.push(
    '',
    '## Units on iCE40 HX8K (place-and-route of one module, ' + `${FREQ} MHz constraint)`,
    '',
    `Fmax is the best of nextpnr seeds ${UNIT_SEEDS.join(', ')} (all seeds listed); LC is the placed logic cells of the unit with the I/O wrapper (device: 7,680). The \`pipeline: max\` units are routed with nextpnr's timing-driven rip-up (\`lutnn synth --tmg-ripup\`); the standard ones without it (they are far below the constraint, where it only lengthens routing).`,
    '',
    '| design | unit | LUT | DFF | EBR | LC placed | Fmax (MHz), best | Fmax per seed | critical path of the best run |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const u of unitsDone) {
    const r = u.report;
    if (!r) {
      out.push(`| ${u.design} | ${u.module} | - | - | - | - | - | - | ${u.error ?? ''} |`);
      continue;
    }
    const why = r.pnr?.criticalPath ?? (r.pnrError ? r.pnrError.split('\n').find((l) => l.includes('ERROR')) ?? r.pnrError.split('\n')[0] : '');
    const lc = r.pnr?.utilisation.ICESTORM_LC?.used;
    const perSeed = u.seeds.map((x) => `${x.seed}: ${fmt(x.fmax)}`).join(', ');
    out.push(`| ${u.design} | ${u.module} | ${fmt(r.total.LUT)} | ${fmt(r.total.FF)} | ${fmt(r.total.BRAM)} | ${fmt(lc)} | ${pnrCell(r)} | ${perSeed} | ${why.replace(/\|/g, '/').trim()} |`);
  }
  const stand: string[] = [];
  for (const u of unitsDone) {
    if (!u.report?.pnr) continue;
    const f = u.report.pnr.fmaxMhz;
    stand.push(`${u.design}, ${u.module}: ${fmt(f)} MHz — ${f >= FREQ ? `meets ${FREQ} MHz` : `misses ${FREQ} MHz`}${u.report.pnr.criticalPath ? ` (critical path ${u.report.pnr.criticalPath})` : ''}`);
  }
  out.push(
    '',
    '## Where the timing targets stand',
    '',
    `Target: the closest-centroid unit and the accumulator array at >= ${FREQ} MHz on iCE40 HX8K after nextpnr, with maximum pipelining (hw.yaml \`pipeline: max\`, docs/hw-config.md).`,
    '',
    '* The example layer itself cannot be placed on an HX8K: its CCS has 4 lanes x 16 centroids x 4 variable 8x8 products and its tables need 64 EBR (the ice40-hx8k row of the table above; the device has 7,680 LC and 32 EBR). Its units are therefore measured on slices of the same shape: one K = 16, V = 4 codebook with 32 outputs (`slice`), and four codebook lanes with 16 outputs (`slice4`, the example\'s P_c = 4 accumulator).',
    '* `pipeline: standard` (one-cycle multiply-add distances, one-cycle requantizer multiply) is the baseline; `pipeline: max` restructures the RTL: the CCS input registered and broadcast through a register tree, distances as registered adder trees of centroid-bit-gated shifted inputs (no multipliers), each argmin level a registered compare stage then a registered select stage, the accumulator\'s table outputs registered again before its registered table-sum tree, the requantizer\'s constant multiply as a registered shift-add tree.',
    '* The output FIFO (whole result vectors, beside the accumulator in the layer top) is measured as a unit of its own: it is the valid/ready output interface, not part of the accumulator array.',
    ...stand.map((x) => `* ${x}`),
  );
  if (notes.length > 0) out.push('', '## Notes', '', ...notes.map((n) => `* ${n}`));
  out.push('');
  await writeFile(RESULTS, out.join('\n'));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const targets = (opt('--targets')?.split(',') ?? TARGET_NAMES) as TargetName[];
  const designNames = opt('--designs')?.split(',') ?? ['l256', 'example'];
  const outFile = opt('--out');
  if (outFile) RESULTS = outFile;
  const timeout = opt('--pnr-timeout');
  if (timeout !== undefined) {
    PNR_TIMEOUT = Number(timeout);
    if (!Number.isInteger(PNR_TIMEOUT) || PNR_TIMEOUT <= 0) throw new Error(`--pnr-timeout: expected a whole number of seconds, found '${timeout}'`);
  }
  const WORKDIR = outFile ? join(WORK, `run-${outFile.replace(/[^A-Za-z0-9]+/g, '_')}`) : WORK;
  await mkdir(WORK, { recursive: true });
  const designs: Record<string, { model: string; config?: string }> = {
    example: { model: join(PROJECT_ROOT, 'examples', 'lut_linear_64x32', 'model.json'), config: join(PROJECT_ROOT, 'examples', 'lut_linear_64x32', 'hw.yaml') },
    l256: await write256(join(WORK, 'l256-artifact')),
  };
  const log = (s: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0)}s] ${s}\n`);
  // Units built for timing (pipeline: max) route with nextpnr's timing-driven rip-up; on the
  // standard units, far below the constraint, it would only make routing many times slower.
  const units = async (name: string, lutDir: string, modules: string[], timingRipup: boolean) => {
    for (const module of modules) {
      const row: UnitRow = { design: name, module, report: null, seeds: [] };
      unitsDone.push(row);
      for (const seed of UNIT_SEEDS) {
        log(`${name}: unit ${module} on ice40-hx8k, seed ${seed}`);
        try {
          const r = await synthDesign(lutDir, { target: 'ice40-hx8k', module, freqMhz: FREQ, seed, timingRipup, pnrTimeoutSeconds: PNR_TIMEOUT, onStage: (s) => log(`  ${s}`) });
          const fmax = r.report.pnr?.fmaxMhz ?? null;
          row.seeds.push({ seed, fmax });
          if (!row.report || (fmax ?? 0) > (row.report.pnr?.fmaxMhz ?? 0)) row.report = r.report;
          if (!r.report.pnr && !/did not finish/.test(r.report.pnrError ?? '')) break; // does not fit: other seeds will not either
        } catch (err) {
          row.error = failureReason(err as Error);
          break;
        }
        await writeResults(false);
      }
      await writeResults(false);
    }
  };
  if (!args.includes('--skip-units')) {
    // One K = 16, V = 4 lane (constant centroids): the closest-centroid search and a requantizer.
    const art = await writeSlice(join(WORK, 'slice-artifact'));
    // Four codebooks through four lanes (the example's P_c = 4) and 8 outputs per cycle: the
    // accumulator's table-sum tree and accumulators, with its table ROM, requantizers and FIFO.
    const art4 = await writeSlice(join(WORK, 'slice4-artifact'), 4);
    for (const pipeline of ['standard', 'max'] as const) {
      const config = join(WORK, `slice-${pipeline}.yaml`);
      await writeFile(config, `tree_levels_per_stage: 1\npipeline: ${pipeline}\n`);
      const dir = join(WORK, `slice-${pipeline}`, 'lut');
      const slice = await genRtl({ model: art.model, config, out: dir });
      const layer = slice.plan.layers[0];
      if (layer.kind === 'lut_linear') await units(`slice, pipeline: ${pipeline}`, dir, [layer.encoder.module, layer.modules.requant], pipeline === 'max');
      const config4 = join(WORK, `slice4-${pipeline}.yaml`);
      await writeFile(config4, `codebooks_per_cycle: 4\noutputs_per_cycle: 8\npipeline: ${pipeline}\n`);
      const dir4 = join(WORK, `slice4-${pipeline}`, 'lut');
      const s4 = await genRtl({ model: art4.model, config: config4, out: dir4 });
      const l4 = s4.plan.layers[0];
      // The accumulator array, and beside it the output FIFO of whole result vectors (M·b = 256 bits).
      if (l4.kind === 'lut_linear') await units(`slice4 (C=4, P_c=4, P_m=8), pipeline: ${pipeline}`, dir4, [l4.modules.accumulator, l4.modules.outFifo], pipeline === 'max');
    }
  }
  for (const name of designNames) {
    const d = designs[name];
    if (!d) continue; // --designs none: units only
    const lutDir = join(WORKDIR, name, 'lut');
    const macDir = join(WORKDIR, name, 'mac');
    const lut = await genRtl({ ...d, out: lutDir });
    const mac = await genMac({ ...d, out: macDir, regenerateCommand: `${COMMAND} (design ${name})` });
    for (const target of targets) {
      const pnr = target === 'ice40-hx8k';
      // A synthesis that fails (e.g. Yosys out of memory) is recorded in the table; the bench goes on.
      const run = async (side: string, dir: string) => {
        log(`${name} ${target}: ${side}`);
        try {
          return await synthDesign(dir, { target, pnr, freqMhz: FREQ, pnrTimeoutSeconds: PNR_TIMEOUT, onStage: (s) => log(`  ${s}`) });
        } catch (err) {
          failures.push({ design: name, target, side, reason: failureReason(err as Error) });
          await writeResults(false);
          return null;
        }
      };
      const a = await run('LUT-NN', lutDir);
      const b = await run('MAC', macDir);
      if (!a || !b) continue;
      const sa: CompareSide = { design: lutDir, synth: a, ii: lut.plan.timing.initiationInterval, latency: lut.plan.timing.latency };
      const sb: CompareSide = { design: macDir, synth: b, ii: mac.plan.timing.initiationInterval, latency: mac.plan.timing.latency };
      const rows = compareRows(sa, sb);
      process.stdout.write(`${formatCompare(target, rows, lut.plan.top, mac.plan.top)}\n`);
      rowsDone.push({ design: name, target, rows, lut: a.report, mac: b.report });
      await writeResults(false);
    }
  }
  await writeResults(true);
}

main().catch(async (err) => {
  notes.push(`The bench stopped with an error: ${failureReason(err as Error)}`);
  await writeResults(false);
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
