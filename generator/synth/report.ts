/**
 * Synthesis reports: Yosys `stat -json` → resource counts per module (summed over every instance)
 * and for the whole design, checked against the plan's memory styles, and printed as a table of
 * "used / available (%)" per resource, with the analytic estimate beside the actual numbers.
 */
import { layerKindOf, type PlannedMemory } from '../kinds/registry.ts';
import { bankedInput } from '../plan/stream.ts';
import type { DesignPlan, LayerPlan } from '../plan/types.ts';
import { classifyCells, RESOURCES, zeroCounts, type Resource, type ResourceCounts, type Target } from './targets.ts';
import type { Estimate } from './estimate.ts';
import type { PnrResult } from './nextpnr.ts';

interface StatModule {
  num_cells_by_type?: Record<string, number>;
  /** With `stat -liberty`: the module's own cell area in µm² (submodule instances count as 0). */
  area?: number;
}
interface StatJson {
  modules: Record<string, StatModule>;
}

/** `$paramod$<hash>\foo` and `\foo` → `foo`. */
export function baseModuleName(name: string): string {
  const stripped = name.replace(/^\$paramod\$[0-9a-f]+\\/, '').replace(/^\$paramod\\/, '').replace(/^\\/, '');
  return stripped.split('\\')[0];
}

export interface ModuleUsage {
  /** Module name as in the RTL (parameter variants merged). */
  module: string;
  instances: number;
  /** Cells of this module itself (not its submodules), summed over all instances. */
  counts: ResourceCounts;
  /** Cell types the target table does not classify (summed over instances). */
  other: Record<string, number>;
  /** ASIC targets: cell area of this module itself in µm², summed over all instances. */
  areaUm2?: number;
}

/** ASIC area and delay (targets with a Liberty library; docs/synthesis.md "ASIC target"). */
export interface AsicReport {
  library: string;
  /** The gate equivalent: NAND2 cell and its area (1 GE). */
  nand2Cell: string;
  nand2AreaUm2: number;
  /** Total cell area (µm²) and in thousands of gate equivalents. */
  areaUm2: number;
  kGE: number;
  /** ABC's delay target: the clock period (ps). */
  clockPeriodPs: number;
  /** ABC's longest path per module (ps, register to register or port inside the module) and the worst. */
  delays: Record<string, number>;
  worstDelayPs: number | null;
  worstDelayModule: string | null;
  /** Writable block-style tables as SRAM macros (synth/sram.ts): their area is in `areaUm2`. */
  srams?: SramPlacement[];
}

/** One memory module's instances as SRAM macros: each a tiling of `rows` × `cols` macros. */
export interface SramPlacement {
  module: string;
  instances: number;
  words: number;
  bits: number;
  macro: string;
  rows: number;
  cols: number;
  /** All instances together. */
  areaUm2: number;
}

export interface MemoryCheck {
  /** ROM module and memory file. */
  module: string;
  planned: 'block' | 'distributed';
  bram: number;
  ok: boolean;
}

export interface SynthReport {
  tool: string;
  target: string;
  device: string;
  top: string;
  available: ResourceCounts;
  labels: Record<Resource, string>;
  total: ResourceCounts;
  modules: ModuleUsage[];
  memories: MemoryCheck[];
  estimate: Estimate | null;
  pnr: PnrResult | null;
  /**
   * Where place-and-route stands. `pending`: the report was written when Yosys finished and
   * nextpnr was then started; the report is rewritten when it ends, so a report that still says
   * pending means the process was stopped. `not-run`: no place-and-route for this target or
   * `--no-pnr`.
   */
  pnrStatus: PnrStatus;
  /** Why place-and-route produced no timing (the design does not fit, nextpnr failed, timed out or was interrupted). */
  pnrError?: string;
  /** When nextpnr was started (ISO 8601) and its time limit in seconds, whenever it was started. */
  pnrStartedAt?: string;
  pnrTimeLimitSeconds?: number;
  /** The nextpnr phase when place-and-route was stopped (time limit, interruption, failure), e.g. "routing (iteration 40, 3 wires overused)". */
  pnrStoppedWhile?: string;
  /** ASIC targets: area and delay. */
  asic?: AsicReport;
  /** Things the user should know before waiting for place-and-route (nearly full device, …). */
  warnings: string[];
  synthSeconds: number;
}

export type PnrStatus = 'not-run' | 'pending' | 'done' | 'failed' | 'timed-out' | 'interrupted';

/** A design using more than this fraction of the device's LUTs (LCs) or flops gets a warning. */
export const NEARLY_FULL_FRACTION = 0.6;

export interface UsageLine {
  label: string;
  used: number;
  available: number;
}

function percent(used: number, available: number): string {
  return `${((100 * used) / available).toFixed(1)} %`;
}

/**
 * The warning for resources above NEARLY_FULL_FRACTION of the device (null when none is): which
 * resource, how full, and what to do. `pnr`: place-and-route is about to run (on iCE40, where
 * a nearly full device can keep nextpnr busy for a long time).
 */
export function nearlyFullWarning(lines: UsageLine[], device: string, o: { pnr: boolean }): string | null {
  const full = lines.filter((l) => l.available > 0 && l.used > NEARLY_FULL_FRACTION * l.available);
  if (full.length === 0) return null;
  const over = full.some((l) => l.used > l.available);
  const what = full.map((l) => `${l.label} ${fmt(l.used)} of ${l.available} (${percent(l.used, l.available)})`).join(', ');
  const head = over ? `The design needs more than ${device} has: ${what}.` : `${device} is nearly full: ${what}, more than ${Math.round(100 * NEARLY_FULL_FRACTION)} %.`;
  const slow = o.pnr && !over ? ' Place-and-route of a nearly full iCE40 can take long (many minutes; it may not finish within --pnr-timeout).' : '';
  const todo = ` To make it ${over ? 'fit' : 'easier'}: fewer codebooks_per_cycle / outputs_per_cycle in hw.yaml (lutnn gen-rtl --config), a bigger device (another --target)${o.pnr && !over ? ', or skip place-and-route with --no-pnr' : ''}.`;
  return `${head}${slow}${todo}`;
}

/** Warnings from the synthesised totals: LUTs (LCs) or flops above NEARLY_FULL_FRACTION of the device. */
export function fullnessWarnings(total: ResourceCounts, target: Pick<Target, 'device' | 'labels' | 'available'>, o: { pnr: boolean }): string[] {
  const w = nearlyFullWarning((['LUT', 'FF'] as const).map((r) => ({ label: target.labels[r], used: total[r], available: target.available[r] })), target.device, o);
  return w ? [w] : [];
}

/** Per-module usage from `stat -json` output, instances counted from `top` down. */
export function parseStat(statText: string, target: Target, top: string): { modules: ModuleUsage[]; total: ResourceCounts; areaUm2: number } {
  const stat = JSON.parse(statText) as StatJson;
  const byName = new Map<string, StatModule>();
  for (const [name, m] of Object.entries(stat.modules)) byName.set(name, m);
  const find = (name: string): string | undefined => (byName.has(name) ? name : byName.has(`\\${name}`) ? `\\${name}` : undefined);
  const instances = new Map<string, number>();
  const visit = (name: string, times: number) => {
    instances.set(name, (instances.get(name) ?? 0) + times);
    for (const [type, n] of Object.entries(byName.get(name)?.num_cells_by_type ?? {})) {
      const sub = find(type);
      if (sub) visit(sub, times * n);
    }
  };
  const root = find(top);
  if (!root) throw new Error(`stat output has no module ${top}`);
  visit(root, 1);
  const rows = new Map<string, ModuleUsage>();
  const total = zeroCounts();
  let areaUm2 = 0;
  for (const [name, times] of instances) {
    const leaf: Record<string, number> = {};
    for (const [type, n] of Object.entries(byName.get(name)?.num_cells_by_type ?? {})) if (!find(type)) leaf[type] = n * times;
    const { counts, other } = classifyCells(target, leaf);
    const base = baseModuleName(name);
    const row = rows.get(base) ?? { module: base, instances: 0, counts: zeroCounts(), other: {} };
    row.instances += times;
    for (const r of RESOURCES) {
      row.counts[r] += counts[r];
      total[r] += counts[r];
    }
    for (const [t, n] of Object.entries(other)) row.other[t] = (row.other[t] ?? 0) + n;
    const area = byName.get(name)?.area;
    if (area !== undefined) {
      row.areaUm2 = (row.areaUm2 ?? 0) + area * times;
      areaUm2 += area * times;
    }
    rows.set(base, row);
  }
  const modules = [...rows.values()].sort((a, b) => (a.module === top ? -1 : b.module === top ? 1 : a.module.localeCompare(b.module)));
  return { modules, total, areaUm2 };
}

/** A layer's planned memories: its kind's, and a stream's banked input buffer (input_buffer: block). */
export function layerMemories(layer: LayerPlan): PlannedMemory[] {
  const buffer = bankedInput(layer);
  const own = layerKindOf(layer).memories(layer);
  return buffer ? [...own, { module: layer.stream!.modules.input, style: 'block', words: buffer.depth, bits: buffer.wordBits }] : own;
}

/** Memories the plan places in block RAM must show block RAM cells in the synthesised ROM module. */
export function checkMemories(design: DesignPlan, modules: ModuleUsage[], _target: Target): MemoryCheck[] {
  const out: MemoryCheck[] = [];
  for (const memory of design.layers.flatMap(layerMemories)) {
    const rom = modules.find((m) => m.module === memory.module);
    const bram = rom?.counts.BRAM ?? 0;
    // Block means block RAM cells; distributed means none (the ROM is logic or LUT RAM).
    const ok = memory.style === 'block' ? bram > 0 : bram === 0;
    out.push({ module: memory.module, planned: memory.style, bram, ok });
  }
  return out;
}

function kge(areaUm2: number, a: Pick<AsicReport, 'nand2AreaUm2'>): string {
  return (areaUm2 / a.nand2AreaUm2 / 1000).toFixed(2);
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function cell(used: number, available: number): string {
  if (available <= 0) return fmt(used);
  return `${fmt(used)} / ${available} (${((100 * used) / available).toFixed(1)} %)`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ').trimEnd()).join('\n');
}

/** The terminal report: per-module table, total with estimate, memories, and PnR timing. */
export function formatReport(r: SynthReport): string {
  const asic = r.asic;
  // ASIC: logic cells and flops/latches, then area and gate equivalents (no device to fill).
  const shown = asic ? (['LUT', 'FF'] as const) : RESOURCES;
  const head = ['module', ...shown.map((x) => r.labels[x]), ...(asic ? ['area µm²', 'kGE', 'delay ps'] : [])];
  const rows: string[][] = [head];
  const asicCells = (areaUm2: number, delay: string) => (asic ? [areaUm2.toFixed(1), kge(areaUm2, asic), delay] : []);
  for (const m of r.modules) {
    rows.push([m.instances > 1 ? `${m.module} (x${m.instances})` : m.module, ...shown.map((x) => fmt(m.counts[x])), ...asicCells(m.areaUm2 ?? 0, asic?.delays[m.module]?.toFixed(0) ?? '-')]);
  }
  rows.push(['total', ...shown.map((x) => cell(r.total[x], r.available[x])), ...asicCells(asic?.areaUm2 ?? 0, asic?.worstDelayPs?.toFixed(0) ?? '-')]);
  if (r.estimate) rows.push(['estimate (analytic)', ...shown.map((x) => fmt(r.estimate!.total[x]))]);
  const lines = [`synthesis  ${r.top} on ${r.target} (${r.device}), ${r.tool}, ${r.synthSeconds.toFixed(1)} s`, '', table(rows), ''];
  if (asic) {
    lines.push(
      `area       ${asic.areaUm2.toFixed(1)} µm² = ${kge(asic.areaUm2, asic)} kGE (1 GE = ${asic.nand2Cell}, ${asic.nand2AreaUm2} µm²), ${asic.library}; ${asic.srams?.length ? 'cell area plus the SRAM macros below' : 'cell area only'} (no placement or wiring)`,
      ...(asic.srams ?? []).map(
        (m) => `sram       ${m.module} (x${m.instances}, ${m.words} x ${m.bits} bits each): ${m.rows * m.cols} x ${m.macro} each, ${m.areaUm2.toFixed(1)} µm² = ${kge(m.areaUm2, asic)} kGE in all (writable tables, single-port: written while no vector is in flight)`,
      ),
      `delay      ABC's longest path ${asic.worstDelayPs === null ? 'not reported' : `${asic.worstDelayPs.toFixed(0)} ps in ${asic.worstDelayModule}`} against a ${asic.clockPeriodPs} ps target (${(1e6 / asic.clockPeriodPs).toFixed(1)} MHz): ${asic.worstDelayPs === null ? '-' : asic.worstDelayPs <= asic.clockPeriodPs ? 'MET' : 'FAILED'} (per module; paths across modules are not timed)`,
    );
  }
  for (const m of r.memories) {
    lines.push(`memory     ${m.module}: planned ${m.planned}, mapped to ${m.bram > 0 ? `${fmt(m.bram)} block RAM(s)` : 'logic / LUT RAM'} ${m.ok ? 'OK' : 'MISMATCH'}`);
  }
  const other = r.modules.flatMap((m) => Object.entries(m.other).map(([t, n]) => `${t} ${n}`));
  if (other.length > 0) lines.push(`other      cells not counted above: ${other.join(', ')}`);
  if (r.estimate) {
    for (const u of r.estimate.units) lines.push(`estimate   ${u.module}: latency ${u.latency} cycles, II ${u.ii}`);
  }
  if (r.pnr) {
    const p = r.pnr;
    lines.push(
      `place&route nextpnr-ice40 ${p.device}: Fmax ${p.fmaxMhz.toFixed(1)} MHz versus ${p.constraintMhz} MHz constraint: ${p.fmaxMhz >= p.constraintMhz ? 'MET' : 'FAILED'}` +
        `${p.wrapper ? ` (I/O through a ${p.wrapper.flops}-flop serial wrapper)` : ''}; seed ${p.seed}${p.timingRipup ? ', timing-driven rip-up' : ''}`,
    );
    for (const [k, v] of Object.entries(p.utilisation)) if (v.used > 0) lines.push(`           ${k}: ${cell(v.used, v.available)}`);
    if (p.criticalPath) lines.push(`           critical path: ${p.criticalPath}`);
  }
  for (const w of r.warnings) lines.push(`warning    ${w}`);
  if (r.pnrStatus === 'pending') {
    lines.push(`place&route pending: nextpnr-ice40 started ${r.pnrStartedAt ?? ''} with a ${r.pnrTimeLimitSeconds ?? '?'} s time limit; this report is rewritten when it ends (still pending means lutnn was stopped first)`);
  }
  if (r.pnrError) {
    const head = r.pnrStatus === 'timed-out' ? 'TIMED OUT' : r.pnrStatus === 'interrupted' ? 'INTERRUPTED' : 'FAILED';
    lines.push(`place&route ${head}: ${r.pnrError.split('\n').join(' | ')}`);
  }
  return `${lines.join('\n')}\n`;
}
