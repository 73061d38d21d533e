/**
 * `lutnn synth` as a library call: a generated design folder → Yosys synthesis for one target
 * (resource report per module, checked against the plan's memory styles, with the analytic
 * estimate beside it) and, on iCE40, nextpnr place-and-route with achieved Fmax.
 */
import { join, resolve } from 'node:path';
import { designSources } from '../../tb/build.ts';
import { loadDesign } from '../../tb/verify.ts';
import { LutnnError } from '../errors.ts';
import { writeDirectoryAtomically, type OutputFile } from '../util/atomic-dir.ts';
import { estimateDesign } from './estimate.ts';
import { parsePorts, pnrWrapper, runPnr, WRAPPER_MODULE, type PnrResult } from './nextpnr.ts';
import { checkMemories, formatReport, parseStat, type SynthReport } from './report.ts';
import { getTarget, RESOURCES, type ResourceCounts, type Target } from './targets.ts';
import { NETLIST_FILE, readDesignSources, runYosysScript, STAT_FILE, yosysScript } from './yosys.ts';

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
  onStage?: (stage: string) => void;
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
export function clearlyTooBig(estimate: ResourceCounts, target: Target): boolean {
  return estimate.BRAM > target.available.BRAM + 1 || estimate.LUT > 2 * target.available.LUT;
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
  const sources = [...verilog];
  let wrapperFlops = 0;
  if (pnr) {
    const w = pnrWrapper(top, parsePorts(src.tree[`${top}.v`], top));
    files[`${WRAPPER_MODULE}.v`] = w.verilog;
    sources.push(`${WRAPPER_MODULE}.v`);
    wrapperFlops = w.flops;
  }
  const yosysTop = pnr ? WRAPPER_MODULE : top;
  const estimate = opts.module ? null : estimateDesign(design, target);
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
  const synthesise = async (netlist: boolean) => {
    const script = yosysScript({ target, top: yosysTop, verilog: sources, netlist, keepHierarchy: true });
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
  const modules = parsed.modules.filter((m) => m.module !== WRAPPER_MODULE);
  const wrapperRow = parsed.modules.find((m) => m.module === WRAPPER_MODULE);
  const total = { ...parsed.total };
  if (wrapperRow) for (const r of RESOURCES) total[r] -= wrapperRow.counts[r];

  const report: SynthReport = {
    tool: `Yosys ${ys.log.match(/Yosys (\d+\.\d+)/)?.[1] ?? ''} (YoWASP)`.trim(),
    target: target.name,
    device: target.device,
    top,
    available: target.available,
    labels: target.labels,
    total,
    modules,
    memories: opts.module ? [] : checkMemories(design, modules, target),
    estimate,
    pnr: null,
    synthSeconds: ys.seconds,
  };
  const outputs: OutputFile[] = [
    { path: 'synth.ys', content: script },
    { path: 'yosys.log', content: ys.log },
  ];
  if (misfit) {
    report.pnrError = misfit;
  } else if (pnr && target.pnr) {
    stage(`nextpnr-ice40 place and route at ${freqMhz} MHz`);
    outputs.push({ path: `${WRAPPER_MODULE}.v`, content: files[`${WRAPPER_MODULE}.v`] });
    try {
      const p = await runPnr(ys.files[NETLIST_FILE], { ...target.pnr, freqMhz, seed: opts.seed, timingRipup: opts.timingRipup, timeoutSeconds: opts.pnrTimeoutSeconds, onStage: stage });
      const result: PnrResult = { ...p.result, wrapper: { module: WRAPPER_MODULE, flops: wrapperFlops } };
      report.pnr = result;
      outputs.push({ path: 'nextpnr.log', content: p.log });
    } catch (err) {
      // A design that does not fit still gets its synthesis report; the reason is recorded.
      if (!(err instanceof LutnnError)) throw err;
      report.pnrError = err.message;
    }
  }
  const text = formatReport(report);
  outputs.push({ path: 'report.json', content: `${JSON.stringify(report, null, 2)}\n` }, { path: 'report.txt', content: text });
  const outDir = opts.out ?? join(dir, 'synth', opts.module ? `${target.name}-${opts.module}` : target.name);
  await writeDirectoryAtomically(outDir, outputs);
  return { report, text, outDir };
}
