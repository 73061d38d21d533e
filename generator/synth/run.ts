/**
 * `lutnn synth` as a library call: a generated design folder → Yosys synthesis for one target
 * (resource report per module, checked against the plan's memory styles, with the analytic
 * estimate beside it) and, on iCE40, nextpnr place-and-route with achieved Fmax.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { designSources } from '../../tb/build.ts';
import { loadDesign } from '../../tb/verify.ts';
import { LutnnError } from '../errors.ts';
import { OUTPUT_MARKER, writeDirectoryAtomically, type OutputFile } from '../util/atomic-dir.ts';
import { estimateDesign, type Estimate } from './estimate.ts';
import { DEFAULT_PNR_TIMEOUT_SECONDS, describeProgress, parsePorts, pnrWrapper, PnrStopped, runPnr, WRAPPER_MODULE, type PnrResult } from './nextpnr.ts';
import { layerKindOf, type PlannedMemory } from '../kinds/registry.ts';
import { baseModuleName, checkMemories, formatReport, fullnessWarnings, nearlyFullWarning, parseStat, type AsicReport, type ModuleUsage, type PnrStatus, type SramPlacement, type SynthReport } from './report.ts';
import { loadSramMacros, tileSram, type SramMacro } from './sram.ts';
import { getTarget, RESOURCES, zeroCounts, type LibertyLibrary, type ResourceCounts, type Target } from './targets.ts';
import { abcDelays, LIBERTY_FILE, NETLIST_FILE, readDesignSources, runYosysScript, STAT_FILE, yosysScript } from './yosys.ts';
import { PROJECT_ROOT } from '../emit/render.ts';

export interface SynthOptions {
  target: string;
  /** Place and route (iCE40 targets only); default true there. */
  pnr?: boolean;
  /** Clock constraint for place-and-route, MHz. */
  freqMhz?: number;
  /** Synthesise one module of the design (a unit) instead of the design's top. */
  module?: string;
  /** Output folder for report.json, report.txt and the tool logs; default `<design>/synth/<target>[-<module>]`. */
  out?: string;
  seed?: number;
  /** nextpnr's timing-driven rip-up (--tmg-ripup): better Fmax near the constraint, much slower far from it. */
  timingRipup?: boolean;
  /** Stop nextpnr after this many seconds (nextpnr.ts DEFAULT_PNR_TIMEOUT_SECONDS). */
  pnrTimeoutSeconds?: number;
  /** Progress messages (Yosys passes, nextpnr phases with elapsed time). */
  onStage?: (stage: string) => void;
  /** While nextpnr runs, repeat its progress line this often (s; default 10) when nothing else changes. */
  progressIntervalSeconds?: number;
  /** Warnings (also in report.warnings), as soon as they are known; default: `onStage('warning: …')`. */
  onWarning?: (warning: string) => void;
  /** Aborting stops place-and-route; the report then says `interrupted`. Yosys cannot be stopped. */
  signal?: AbortSignal;
  /**
   * Stop place-and-route on Ctrl-C (SIGINT) and record that in the report. The handler is installed
   * only while nextpnr runs (in a worker thread): Yosys runs on the main thread, where a handler
   * would keep Ctrl-C from ending the process.
   */
  stopPnrOnSigint?: boolean;
}

export interface SynthResult {
  report: SynthReport;
  text: string;
  outDir: string;
}

export const DEFAULT_FREQ_MHZ = 175;

/**
 * Why a synthesised netlist (with the I/O wrapper) cannot be placed on the target, or null. Each
 * iCE40 logic cell holds one LUT4 and one flop, so needing more LUTs, flops or block RAMs than the
 * device has means place-and-route would fail; saying so up front saves waiting for nextpnr to find
 * out (on a large design, after many minutes of packing).
 */
export function pnrMisfit(total: ResourceCounts, target: Target): string | null {
  const over = (['LUT', 'FF', 'BRAM'] as const).filter((r) => total[r] > target.available[r]);
  if (over.length === 0) return null;
  return `The design does not fit ${target.device}: ${over.map((r) => `${total[r]} ${target.labels[r]} needed, ${target.available[r]} available`).join('; ')} (place-and-route skipped).`;
}

/**
 * True when the analytic estimate alone shows the design cannot be placed: block RAM is estimated
 * to within one block, LUTs to within ±25 % (test/synth), so these margins never reject a design
 * that fits.
 */
/** The Liberty file of an ASIC target (vendor/pdk/…, shipped with lutnn). */
async function readLiberty(lib: LibertyLibrary): Promise<string> {
  const file = join(PROJECT_ROOT, lib.file);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new LutnnError('The standard-cell library of the ASIC target is missing.', { file, expected: `the Liberty file of ${lib.name} (shipped in vendor/pdk/)`, found: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
  }
}

/**
 * The SRAM macros standing for black-boxed memories: their instances (cells of the memory's type in
 * the parents, which parseStat lists as uncounted cells) become a row of the memory module with
 * the tiling's area, added to the total.
 */
export function placeSrams(parsed: { modules: ModuleUsage[]; areaUm2: number }, srams: PlannedMemory[], macros: SramMacro[]): SramPlacement[] {
  const placed: SramPlacement[] = [];
  for (const mem of srams) {
    let instances = 0;
    for (const row of parsed.modules) {
      for (const type of Object.keys(row.other)) {
        if (baseModuleName(type) !== mem.module) continue;
        instances += row.other[type];
        delete row.other[type];
      }
    }
    if (instances === 0) continue;
    const tiling = tileSram(macros, mem.words ?? 0, mem.bits ?? 0);
    const areaUm2 = instances * tiling.areaUm2;
    parsed.modules.push({ module: mem.module, instances, counts: zeroCounts(), other: {}, areaUm2 });
    parsed.areaUm2 += areaUm2;
    placed.push({ module: mem.module, instances, words: mem.words ?? 0, bits: mem.bits ?? 0, ...tiling, areaUm2 });
  }
  return placed;
}

/** Area and ABC's delays of an ASIC synthesis (module names as in the RTL). */
export function asicReport(lib: LibertyLibrary, areaUm2: number, rawDelays: Record<string, number>, clockPeriodPs: number): AsicReport {
  const delays: Record<string, number> = {};
  for (const [m, d] of Object.entries(rawDelays)) {
    const base = baseModuleName(m);
    delays[base] = Math.max(delays[base] ?? 0, d);
  }
  let worst: [string, number] | null = null;
  for (const [m, d] of Object.entries(delays)) if (worst === null || d > worst[1]) worst = [m, d];
  return {
    library: lib.name,
    nand2Cell: lib.nand2Cell,
    nand2AreaUm2: lib.nand2AreaUm2,
    areaUm2,
    kGE: areaUm2 / lib.nand2AreaUm2 / 1000,
    clockPeriodPs: Math.round(clockPeriodPs),
    delays,
    worstDelayPs: worst?.[1] ?? null,
    worstDelayModule: worst?.[0] ?? null,
  };
}

/** The estimate of the unit named `module` alone, or null when no unit has that name. */
export function unitEstimate(full: Estimate, module: string): Estimate | null {
  const units = full.units.filter((u) => u.module === module);
  if (units.length === 0) return null;
  const total = zeroCounts();
  for (const u of units) for (const r of RESOURCES) total[r] += u[r];
  return { target: full.target, units, total };
}

export function clearlyTooBig(estimate: ResourceCounts, target: Target): boolean {
  return estimate.BRAM > target.available.BRAM + 1 || estimate.LUT > 2 * target.available.LUT;
}

/**
 * Replaces some files of an output folder that this run wrote a moment ago, one file at a time
 * (temporary file in the folder, then rename), so every file is always either the old or the
 * new version, even if the process is stopped in between. Should the folder be gone or no longer
 * carry lutnn's marker, the whole folder is written again under writeDirectoryAtomically's rules
 * (which refuse to replace a folder lutnn did not write).
 */
async function rewriteFiles(outDir: string, changed: OutputFile[], all: OutputFile[]): Promise<void> {
  if (!existsSync(join(outDir, OUTPUT_MARKER))) return writeDirectoryAtomically(outDir, all);
  for (const f of changed) {
    const tmp = join(outDir, `.${f.path}.tmp-${process.pid}`);
    try {
      await writeFile(tmp, f.content);
      await rename(tmp, join(outDir, f.path));
    } catch (err) {
      await rm(tmp, { force: true });
      const e = err as NodeJS.ErrnoException;
      throw new LutnnError('Cannot update the synthesis report.', { file: join(outDir, f.path), expected: 'a folder this user can write', found: `${e.message} (${e.code ?? 'error'})` });
    }
  }
}

function shortPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

export async function synthDesign(designDir: string, opts: SynthOptions): Promise<SynthResult> {
  const stage = opts.onStage ?? (() => {});
  const target = getTarget(opts.target);
  const dir = resolve(designDir);
  const design = await loadDesign(dir);
  const { verilog, memories } = await designSources(dir);
  const top = opts.module ?? design.top;
  if (!verilog.includes(`${top}.v`)) {
    throw new LutnnError('No such module in the design.', { file: join(designDir, 'files.f'), field: '--module', expected: `one of ${verilog.map((v) => v.replace(/\.v$/, '')).join(', ')}`, found: JSON.stringify(top) });
  }
  const pnr = (opts.pnr ?? true) && target.pnr !== null;
  if (opts.pnr === true && target.pnr === null) {
    throw new LutnnError('Place-and-route runs in-process for iCE40 targets only.', { field: '--pnr', expected: 'an ice40-* target (or no --pnr)', found: target.name });
  }
  const freqMhz = opts.freqMhz ?? DEFAULT_FREQ_MHZ;
  const src = await readDesignSources(dir, verilog, memories);
  const files: Record<string, string> = { ...src.tree };
  if (target.liberty) files[LIBERTY_FILE] = await readLiberty(target.liberty);
  const sources = [...verilog];
  let wrapperFlops = 0;
  if (pnr) {
    const w = pnrWrapper(top, parsePorts(src.tree[`${top}.v`], top));
    files[`${WRAPPER_MODULE}.v`] = w.verilog;
    sources.push(`${WRAPPER_MODULE}.v`);
    wrapperFlops = w.flops;
  }
  const yosysTop = pnr ? WRAPPER_MODULE : top;
  // One unit (--module): its own estimate when the plan has a unit of that name (a module below a
  // unit, such as one CCS distance, has none).
  // ASIC targets have none: the estimator counts FPGA resources (LUTs, block RAM), not cell area.
  const estimate = target.liberty ? null : opts.module ? unitEstimate(estimateDesign(design, target), opts.module) : estimateDesign(design, target);
  // The flattened netlist for nextpnr is the slowest thing Yosys writes for a large design (over
  // 20 minutes of the bundled example's 40 for iCE40 HX8K), so it is only written when the design
  // may fit. The synthesis result below decides; this guess only saves time, and is safe because
  // a wrong "hopeless" is caught there and Yosys is run again with the netlist.
  const hopeless = pnr && estimate !== null && clearlyTooBig(estimate.total, target);
  let lastPass = '';
  const onPass = (pass: string) => {
    const p = pass.toLowerCase().trim();
    // Frontend passes (one per file) and repeats of the same pass are noise, not progress.
    if (p === lastPass || p.includes('frontend')) return;
    lastPass = p;
    stage(`yosys: ${p}`);
  };
  // ASIC: writable block-style tables are SRAM macros, black boxes here, their area added after.
  const srams = target.liberty?.sramDir && !opts.module ? design.layers.flatMap((l) => layerKindOf(l).memories(l)).filter((m) => m.writable && m.style === 'block') : [];
  const macros = srams.length > 0 ? await loadSramMacros(target.liberty!.sramDir!) : [];
  const synthesise = async (netlist: boolean) => {
    const script = yosysScript({ target, top: yosysTop, verilog: sources, netlist, keepHierarchy: true, clockPeriodPs: 1e6 / freqMhz, blackboxes: srams.map((m) => m.module) });
    stage(`yosys ${target.synthCommand} of ${top}`);
    lastPass = '';
    return { script, ys: await runYosysScript(script, files, netlist ? [STAT_FILE, NETLIST_FILE] : [STAT_FILE], onPass) };
  };
  let { script, ys } = await synthesise(pnr && !hopeless);
  let parsed = parseStat(ys.files[STAT_FILE], target, yosysTop);
  const misfit = pnr && target.pnr ? pnrMisfit(parsed.total, target) : null;
  if (hopeless && !misfit) {
    stage('the estimate said the design cannot fit, synthesis says it can: Yosys again, with the netlist for nextpnr');
    ({ script, ys } = await synthesise(true));
    parsed = parseStat(ys.files[STAT_FILE], target, yosysTop);
  }
  const sramRows = placeSrams(parsed, srams, macros);
  const modules = parsed.modules.filter((m) => m.module !== WRAPPER_MODULE);
  const wrapperRow = parsed.modules.find((m) => m.module === WRAPPER_MODULE);
  const total = { ...parsed.total };
  if (wrapperRow) for (const r of RESOURCES) total[r] -= wrapperRow.counts[r];

  const pnrStatus: PnrStatus = misfit ? 'failed' : pnr ? 'pending' : 'not-run';
  const report: SynthReport = {
    tool: `Yosys ${ys.log.match(/Yosys (\d+\.\d+)/)?.[1] ?? ''} (YoWASP)`.trim(),
    target: target.name,
    device: target.device,
    top,
    available: target.available,
    labels: target.labels,
    total,
    modules,
    // On an ASIC target every memory is flops and logic (no SRAM macro is inferred): nothing to check.
    memories: opts.module || target.liberty ? [] : checkMemories(design, modules, target),
    estimate,
    pnr: null,
    pnrStatus,
    ...(misfit ? { pnrError: misfit } : {}),
    ...(target.liberty ? { asic: { ...asicReport(target.liberty, parsed.areaUm2, abcDelays(ys.log), 1e6 / freqMhz), srams: sramRows } } : {}),
    warnings: fullnessWarnings(total, target, { pnr: pnrStatus === 'pending' }),
    synthSeconds: ys.seconds,
  };
  const warn = (w: string) => (opts.onWarning ? opts.onWarning(w) : stage(`warning: ${w}`));
  for (const w of report.warnings) warn(w);
  const outDir = resolve(opts.out ?? join(dir, 'synth', opts.module ? `${target.name}-${opts.module}` : target.name));
  const outputs: OutputFile[] = [
    { path: 'synth.ys', content: script },
    { path: 'yosys.log', content: ys.log },
  ];
  const reportFiles = (): OutputFile[] => [
    { path: 'report.txt', content: formatReport(report) },
    // Last: report.json is what tools read, so it changes only when everything beside it has.
    { path: 'report.json', content: `${JSON.stringify(report, null, 2)}\n` },
  ];
  if (pnrStatus === 'pending' && target.pnr) {
    const limit = opts.pnrTimeoutSeconds ?? DEFAULT_PNR_TIMEOUT_SECONDS;
    report.pnrStartedAt = new Date().toISOString();
    report.pnrTimeLimitSeconds = limit;
    outputs.push({ path: `${WRAPPER_MODULE}.v`, content: files[`${WRAPPER_MODULE}.v`] });
    // The synthesis report goes out before nextpnr starts: whoever stops lutnn (or meets the time
    // limit) keeps it. The folder is written whole, with the usual rules; it is rewritten below.
    await writeDirectoryAtomically(outDir, [...outputs, ...reportFiles()]);
    stage(`nextpnr-ice40 place and route at ${freqMhz} MHz, time limit ${limit} s (synthesis report already in ${shortPath(outDir)})`);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    opts.signal?.addEventListener('abort', onAbort);
    if (opts.signal?.aborted) stop.abort();
    const onSigint = () => stop.abort();
    if (opts.stopPnrOnSigint) process.once('SIGINT', onSigint);
    let log = '';
    try {
      const p = await runPnr(ys.files[NETLIST_FILE], {
        ...target.pnr,
        freqMhz,
        seed: opts.seed,
        timingRipup: opts.timingRipup,
        timeoutSeconds: limit,
        onStage: stage,
        progressIntervalSeconds: opts.progressIntervalSeconds,
        signal: stop.signal,
        onUtilisation: (u) => {
          // Packed logic cells (with the I/O wrapper) are how full the device really is; warn here
          // when the Yosys counts did not already.
          const lc = u.ICESTORM_LC;
          if (!lc || report.warnings.length > 0) return;
          const w = nearlyFullWarning([{ label: 'logic cells after nextpnr packing (with the I/O wrapper)', ...lc }], target.device, { pnr: true });
          if (w) {
            report.warnings.push(w);
            warn(w);
          }
        },
      });
      const result: PnrResult = { ...p.result, wrapper: { module: WRAPPER_MODULE, flops: wrapperFlops } };
      report.pnr = result;
      report.pnrStatus = 'done';
      log = p.log;
    } catch (err) {
      // The synthesis report stays; the reason place-and-route gave no timing is recorded.
      if (err instanceof PnrStopped) {
        report.pnrStatus = err.kind === 'timeout' ? 'timed-out' : err.kind === 'interrupted' ? 'interrupted' : 'failed';
        report.pnrError = err.message;
        report.pnrStoppedWhile = describeProgress(err.progress);
        log = err.log;
      } else {
        report.pnrStatus = 'failed';
        report.pnrError = `internal error: ${(err as Error).message}`;
        await rewriteFiles(outDir, reportFiles(), [...outputs, ...reportFiles()]);
        throw err;
      }
    } finally {
      process.off('SIGINT', onSigint);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const pnrFiles = [{ path: 'nextpnr.log', content: log }, ...reportFiles()];
    outputs.push(pnrFiles[0]);
    await rewriteFiles(outDir, pnrFiles, [...outputs, ...reportFiles()]);
  } else {
    await writeDirectoryAtomically(outDir, [...outputs, ...reportFiles()]);
  }
  return { report, text: formatReport(report), outDir };
}
