/**
 * Handoff bundles (`lutnn handoff`): the design's Verilog and memory files, its file list, and the
 * scripts one vendor flow needs, all in one flat folder so every path a script names resolves
 * beside it. Vivado: non-project TCL (out-of-context synthesis, place, route, reports) + XDC.
 * Quartus: QSF + SDC. FuseSoC: a CAPI2 core with Verilator simulation, lint and Yosys synthesis
 * targets. Every bundle has its own README.md. Written atomically.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { portBeats, topPortNames } from '../plan/stream.ts';
import { harnessSource } from '../../tb/harness.ts';
import { designSources } from '../../tb/build.ts';
import { loadDesign } from '../../tb/verify.ts';
import { FILE_LIST, PLAN_FILE } from '../emit/design.ts';
import { headerLines } from '../emit/header.ts';
import { renderTemplate } from '../emit/render.ts';
import { LutnnError } from '../errors.ts';
import type { DesignPlan } from '../plan/types.ts';
import { writeDirectoryAtomically, type OutputFile } from '../util/atomic-dir.ts';

export const VENDORS = ['vivado', 'quartus', 'fusesoc'] as const;
export type Vendor = (typeof VENDORS)[number];

export const DEFAULT_PART: Record<Vendor, string> = { vivado: 'xc7a35tcpg236-1', quartus: '5CEBA4F23C7', fusesoc: 'ice40' };

export interface HandoffOptions {
  vendor: string;
  part?: string;
  clockNs: number;
  out: string;
  /** The command line recorded in the bundle's files. */
  command: string;
}

/** Quartus family of a part number (the QSF needs both). */
export function quartusFamily(part: string): string {
  const p = part.toUpperCase();
  const table: [RegExp, string][] = [
    [/^5CS/, 'Cyclone V'], [/^5CE/, 'Cyclone V'], [/^5CG/, 'Cyclone V'], [/^10CL/, 'Cyclone 10 LP'], [/^10CX/, 'Cyclone 10 GX'],
    [/^EP4CE/, 'Cyclone IV E'], [/^EP4CGX/, 'Cyclone IV GX'], [/^10M/, 'MAX 10'], [/^5M/, 'MAX V'], [/^10AX/, 'Arria 10'], [/^10AS/, 'Arria 10'],
    [/^5AGX/, 'Arria V'], [/^1SG/, 'Stratix 10'], [/^5SG/, 'Stratix V'], [/^A5E/, 'Agilex 5'], [/^AGF/, 'Agilex 7'],
  ];
  const hit = table.find(([re]) => re.test(p));
  if (!hit) throw new LutnnError('Unknown Quartus part.', { field: '--part', expected: 'an Intel FPGA part number such as 5CEBA4F23C7, 10CL025YU256C8G, 10M50DAF484C7G, EP4CE22F17C6', found: JSON.stringify(part) });
  return hit[1];
}

/** FuseSoC's Yosys `arch` for a --part value (ice40, ecp5, xilinx, gowin). */
function yosysArch(part: string): string {
  const p = part.toLowerCase();
  if (p.startsWith('ice40') || p.startsWith('hx') || p.startsWith('up5k')) return 'ice40';
  if (p.startsWith('ecp5') || p.startsWith('lfe5')) return 'ecp5';
  if (p.startsWith('xc7') || p.startsWith('xilinx')) return 'xilinx';
  if (p.startsWith('gw') || p.startsWith('gowin')) return 'gowin';
  throw new LutnnError('Unknown FuseSoC synthesis architecture.', { field: '--part', expected: 'ice40, ecp5, xilinx (or an xc7… part), gowin (or a GW… part)', found: JSON.stringify(part) });
}

function parseVendor(v: string): Vendor {
  if (!(VENDORS as readonly string[]).includes(v)) throw new LutnnError('Unknown handoff vendor.', { field: '--vendor', expected: VENDORS.join(', '), found: JSON.stringify(v) });
  return v as Vendor;
}

interface Described {
  path: string;
  what: string;
}

export async function writeHandoff(designDir: string, opts: HandoffOptions): Promise<{ outDir: string; files: string[] }> {
  const vendor = parseVendor(opts.vendor);
  if (!(opts.clockNs > 0 && opts.clockNs < 1000)) throw new LutnnError('Invalid clock period.', { field: '--clock-ns', expected: 'a period in ns, 0 < t < 1000', found: String(opts.clockNs) });
  const part = opts.part ?? DEFAULT_PART[vendor];
  const dir = resolve(designDir);
  const design: DesignPlan = await loadDesign(dir);
  const { verilog, memories } = await designSources(dir);
  const files: OutputFile[] = [];
  const listed: Described[] = [];
  for (const f of verilog) {
    files.push({ path: f, content: await readFile(join(dir, f)) });
    listed.push({ path: f, what: f === `${design.top}.v` ? 'top module' : 'Verilog module' });
  }
  for (const f of memories) {
    files.push({ path: f, content: await readFile(join(dir, f)) });
    listed.push({ path: f, what: 'memory contents ($readmemh)' });
  }
  files.push({ path: FILE_LIST, content: `${verilog.join('\n')}\n` });
  listed.push({ path: FILE_LIST, what: 'Verilog files in compile order' });
  files.push({ path: PLAN_FILE, content: await readFile(join(dir, PLAN_FILE)) });
  listed.push({ path: PLAN_FILE, what: 'the plan the RTL was generated from (`npx lutnn sim` reads it)' });

  const clockMhz = Number((1000 / opts.clockNs).toFixed(3));
  const common = { top: design.top, part, clockNs: opts.clockNs, clockMhz, verilog, memories, clk: topPortNames(design).clk, clkBraced: `{${topPortNames(design).clk}}` };
  const hdr = (what: string) => `${headerLines(design, what, '#')}\n# Bundle: ${opts.command}`;
  const facts: { name: string; value: string }[] = [];
  let run: string[] = [];
  let vendorName = '';
  if (vendor === 'vivado') {
    vendorName = 'Vivado';
    const script = 'build.tcl';
    const xdc = `${design.top}.xdc`;
    files.push({ path: script, content: renderTemplate('handoff/vivado_build.tcl.hbs', { ...common, header: hdr('Vivado non-project build script.'), script, xdc }) });
    files.push({ path: xdc, content: renderTemplate('handoff/vivado.xdc.hbs', { ...common, header: hdr('Vivado timing constraints.') }) });
    listed.push({ path: script, what: 'Vivado non-project TCL: reads sources and memories, out-of-context synthesis, place and route, utilisation and timing reports' }, { path: xdc, what: `clock constraint (${opts.clockNs} ns)` });
    facts.push({ name: 'part', value: `\`${part}\`` }, { name: 'clock', value: `${opts.clockNs} ns (${clockMhz} MHz)` });
    run = ['vivado -mode batch -source build.tcl', '# reports/utilization_*.rpt, reports/timing_*.rpt'];
  } else if (vendor === 'quartus') {
    vendorName = 'Quartus';
    const family = quartusFamily(part);
    const qsf = `${design.top}.qsf`;
    const sdc = `${design.top}.sdc`;
    files.push({ path: qsf, content: renderTemplate('handoff/quartus.qsf.hbs', { ...common, family, sdc, header: hdr('Quartus settings.') }) });
    files.push({ path: sdc, content: renderTemplate('handoff/quartus.sdc.hbs', { ...common, header: hdr('Quartus timing constraints.') }) });
    files.push({ path: `${design.top}.qpf`, content: `${hdr('Quartus project.')}\nPROJECT_REVISION = "${design.top}"\n` });
    listed.push({ path: qsf, what: `Quartus settings (family ${family}, device ${part}, sources, virtual pins)` }, { path: sdc, what: `clock constraint (${opts.clockNs} ns)` }, { path: `${design.top}.qpf`, what: 'Quartus project file' });
    facts.push({ name: 'device', value: `\`${part}\` (${family})` }, { name: 'clock', value: `${opts.clockNs} ns (${clockMhz} MHz)` });
    run = [`quartus_sh --flow compile ${design.top}`, '# output_files/*.fit.summary, output_files/*.sta.rpt'];
  } else {
    vendorName = 'FuseSoC';
    const coreName = `lutnn:generated:${design.top}:${design.tool.version}`;
    const core = `${design.top}.core`;
    const harness = 'harness.cpp';
    files.push({ path: harness, content: harnessSource(design) });
    files.push({
      path: core,
      content: renderTemplate('handoff/fusesoc.core.hbs', { ...common, header: hdr('FuseSoC CAPI2 core.'), coreName, description: JSON.stringify(`lutnn-hdl ${design.artifact.name}: ${design.top}`), harness, synthArch: yosysArch(part) }),
    });
    listed.push({ path: core, what: 'FuseSoC CAPI2 core: filesets rtl + tb; targets sim (Verilator), synth (Yosys), lint' }, { path: harness, what: 'Verilator C++ harness (streams vectors from a file; `--in`, `--out`, `--count` …)' });
    facts.push({ name: 'core', value: `\`${coreName}\`` });
    run = [`fusesoc --cores-root . run --target lint ${coreName}`, `fusesoc --cores-root . run --target synth ${coreName}`, `fusesoc --cores-root . run --target sim ${coreName}`];
  }
  listed.push({ path: 'README.md', what: 'this file' });
  files.push({
    path: 'README.md',
    content: renderTemplate('handoff/README.md.hbs', {
      top: design.top,
      vendorName,
      headerText: headerLines(design, `${vendorName} handoff bundle.`, '<!--').split('\n').map((l) => `${l} -->`).join('\n'),
      command: opts.command,
      designDir: designDir.split('\\').join('/'),
      artifact: design.artifact.name,
      sha256: design.artifact.sha256,
      interface: interfaceText(design),
      latency: design.timing.latency,
      ii: design.timing.initiationInterval,
      facts,
      files: listed,
      run,
    }),
  });
  await writeDirectoryAtomically(opts.out, files);
  return { outDir: opts.out, files: files.map((f) => f.path) };
}

/** The top's ports for the bundle's README: clock, reset, the two streams (beats when streamed) and the table load port. */
function interfaceText(design: DesignPlan): string {
  const p = topPortNames(design);
  const ib = portBeats(design.io.input);
  const ob = portBeats(design.io.output);
  const beats = (b: typeof ib) => (b.beats > 1 ? `, ${b.beats} beats per vector` : '');
  const parts = [
    `\`${p.clk}\`, \`${p.rst}\` (active low, ${design.reset} reset)`,
    `\`${p.inValid}/${p.inReady}/${p.inData}[${ib.elementsPerBeat * ib.laneBits - 1}:0]\`${p.inLast ? ` + \`${p.inLast}\`` : ''}${beats(ib)}`,
    `\`${p.outValid}/${p.outReady}/${p.outData}[${ob.elementsPerBeat * ob.laneBits - 1}:0]\`${p.outLast ? ` + \`${p.outLast}\`` : ''}${beats(ob)}`,
  ];
  if (design.load) parts.push(`table load port \`load_we_i/load_addr_i[${design.load.addressWidth - 1}:0]/load_data_i[${design.load.dataWidth - 1}:0]\``);
  return parts.join(', ');
}
