/**
 * In-process synthesis with YoWASP Yosys (WebAssembly; no system Yosys needed). The design folder's
 * Verilog and memory files are handed to Yosys as a virtual file tree, so `$readmemh` finds the
 * memories by name exactly as when a tool runs in the folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LutnnError } from '../errors.ts';
import type { Target } from './targets.ts';

export interface DesignSources {
  /** Verilog files in compile order (top last). */
  verilog: string[];
  memories: string[];
  /** File name → content. */
  tree: Record<string, string>;
}

export async function readDesignSources(designDir: string, verilog: string[], memories: string[]): Promise<DesignSources> {
  const tree: Record<string, string> = {};
  for (const f of [...verilog, ...memories]) tree[f] = await readFile(join(designDir, f), 'utf8');
  return { verilog, memories, tree };
}

export interface YosysScriptOptions {
  target: Target;
  top: string;
  verilog: string[];
  /** Write a flattened netlist for place-and-route (`netlist.json`). */
  netlist: boolean;
  /** Keep the module hierarchy so the report can be given per module. */
  keepHierarchy: boolean;
  /** ASIC targets: ABC's delay target in picoseconds (the clock period). */
  clockPeriodPs?: number;
  /** Modules kept out of synthesis as black boxes (ASIC: memories that are SRAM macros). */
  blackboxes?: string[];
}

/** The name the target's Liberty file has in Yosys's virtual file tree. */
export const LIBERTY_FILE = 'cells.lib';

/**
 * ABC's script for a Liberty library at a delay target ({D}): Yosys's own mapping script
 * (abc.cc, `-liberty` with `-D`), then gate sizing towards the target and `stime -p`, which prints
 * the mapped module's area and its longest path ("Delay = … ps") into the log.
 */
const ABC_LIBERTY_SCRIPT = '+strash;&get,-n;&fraig,-x;&put;scorr;dc2;dretime;strash;&get,-n;&dch,-f;&nf,{D};&put;buffer,-p;upsize,{D};dnsize,{D};stime,-p';

export const STAT_FILE = 'stat.json';
export const NETLIST_FILE = 'netlist.json';

/** The Yosys script of one synthesis run (deterministic text; also written beside the report). */
export function yosysScript(o: YosysScriptOptions): string {
  const lines = [`read_verilog ${o.verilog.join(' ')}`, ...(o.blackboxes?.length ? [`blackbox ${o.blackboxes.join(' ')}`] : []), `hierarchy -check -top ${o.top}`];
  // A read-only memory the plan wants distributed is a function of its address: synthesise it as
  // logic (LUTs) on every family — iCE40 has no LUT RAM, and LUT-RAM mappers need a write port.
  lines.push('setattr -set rom_style "logic" -set ram_style "logic" m:* a:rom_style=distributed %i');
  const hier = o.keepHierarchy ? (o.target.family === 'xilinx' ? '' : ' -noflatten') : o.target.family === 'xilinx' ? ' -flatten' : '';
  if (o.target.liberty) {
    // Generic synthesis keeps the hierarchy unless told to flatten; memories become flops and logic.
    const period = Math.round(o.clockPeriodPs ?? 10000);
    lines.push(
      `${o.target.synthCommand} -top ${o.top}${o.keepHierarchy ? '' : ' -flatten'}`,
      `dfflibmap -liberty ${LIBERTY_FILE}`,
      `abc -liberty ${LIBERTY_FILE} -D ${period} -script ${ABC_LIBERTY_SCRIPT}`,
      'opt_clean',
      `tee -q -o ${STAT_FILE} stat -json -liberty ${LIBERTY_FILE} -top ${o.top}`,
    );
    return `${lines.join('\n')}\n`;
  }
  const tail = o.target.synthTail;
  lines.push(`${o.target.synthCommand} -top ${o.top}${hier}${tail ? ` -run :${tail.runUntil}` : ''}`, ...(tail?.commands ?? []));
  lines.push(`tee -q -o ${STAT_FILE} stat -json -top ${o.top}`);
  if (o.netlist) lines.push('flatten', `write_json ${NETLIST_FILE}`);
  return `${lines.join('\n')}\n`;
}

export interface YosysRun {
  log: string;
  files: Record<string, string>;
  seconds: number;
}

type Tree = { [name: string]: Tree | string | Uint8Array };

function text(v: Tree[string] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return undefined;
}

/** Runs Yosys on `script` with `files`; `onPass` gets the name of each top-level pass as it starts. */
export async function runYosysScript(script: string, files: Record<string, string>, want: string[], onPass?: (pass: string) => void): Promise<YosysRun> {
  const { runYosys } = await import('@yowasp/yosys');
  const started = Date.now();
  let log = '';
  let pending = '';
  const decoder = new TextDecoder();
  const sink = (bytes: Uint8Array | null) => {
    if (!bytes) return;
    const chunk = decoder.decode(bytes, { stream: true });
    log += chunk;
    if (!onPass) return;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      // Top-level and second-level passes: "2. Executing SYNTH_ICE40 pass." / "2.17. Executing ABC pass ..."
      const m = /^(\d+)(\.\d+)?\. Executing (.+?)( pass)?[.(]/.exec(line);
      if (m) onPass(m[3].replace(/ \(.*$/, ''));
    }
  };
  let out: Tree | undefined;
  try {
    out = (await runYosys(['-s', 'script.ys'], { ...files, 'script.ys': script }, { stdout: sink, stderr: sink })) as Tree | undefined;
  } catch (err) {
    const tail = log.split('\n').filter((l) => l.trim() !== '').slice(-15).join('\n');
    // YoWASP Yosys is WebAssembly: its heap stops at 4 GB, whatever the machine has.
    const oom = /bad_alloc|out of memory|Cannot enlarge memory/i.test(`${tail}\n${(err as Error).message}`);
    throw new LutnnError(oom ? 'Yosys ran out of memory (YoWASP Yosys runs in WebAssembly, whose heap is limited to 4 GB); synthesise one module at a time (--module), or take the design to a vendor flow (lutnn handoff).' : 'Yosys failed to synthesise the design.', {
      expected: 'a successful synthesis run',
      found: tail || (err as Error).message,
    });
  }
  const result: Record<string, string> = {};
  for (const w of want) {
    const t = text(out?.[w]);
    if (t === undefined) throw new LutnnError('Yosys did not write an expected file.', { expected: w, found: 'no such file in the Yosys output' });
    result[w] = t;
  }
  return { log, files: result, seconds: (Date.now() - started) / 1000 };
}

/**
 * ABC's longest path per module after mapping to a Liberty library (ps), from the log: each ABC run
 * follows "Extracting gate netlist of module `\<name>'" and prints "Delay = <x> ps" (stime -p).
 * Paths that cross module boundaries are not seen (each module is mapped on its own).
 */
export function abcDelays(log: string): Record<string, number> {
  const out: Record<string, number> = {};
  let module: string | null = null;
  for (const line of log.split('\n')) {
    const m = /Extracting gate netlist of module `\\?([^']+)'/.exec(line);
    if (m) module = m[1];
    const d = /^ABC: .*Delay =\s*([0-9.]+) ps/.exec(line);
    if (d && module !== null) out[module] = Math.max(out[module] ?? 0, Number(d[1]));
  }
  return out;
}
