/** Synthesis report plumbing without any tool: cell classification, stat parsing, nextpnr reports, wrapper, estimator. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { LutnnError } from '../../generator/errors.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import type { DesignPlan, LutLinearPlan } from '../../generator/plan/types.ts';
import { bramCount, estimateDesign } from '../../generator/synth/estimate.ts';
import { DEFAULT_PNR_TIMEOUT_SECONDS, describeProgress, nextpnrProgress, parseNextpnrReport, parsePorts, pnrWrapper, WRAPPER_MODULE } from '../../generator/synth/nextpnr.ts';
import { baseModuleName, checkMemories, formatReport, fullnessWarnings, NEARLY_FULL_FRACTION, nearlyFullWarning, parseStat, type SynthReport } from '../../generator/synth/report.ts';
import { classifyCells, getTarget, TARGET_NAMES, TARGETS } from '../../generator/synth/targets.ts';
import { asicReport } from '../../generator/synth/run.ts';
import { clearlyTooBig, pnrMisfit } from '../../generator/synth/run.ts';
import { abcDelays, yosysScript } from '../../generator/synth/yosys.ts';
import { designSources } from '../../tb/build.ts';

let root: string;
let example: string;
let plan: DesignPlan;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-synth-report-'));
  example = join(root, 'example');
  plan = (await genRtl({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out: example })).plan;
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const STAT = JSON.stringify({
  modules: {
    '\\top': { num_cells_by_type: { SB_LUT4: 10, SB_DFF: 4, '\\unit': 2, '$paramod$abc123\\rom\\MEM_FILE=x': 1, '$paramod$def456\\rom\\MEM_FILE=y': 1 } },
    '\\unit': { num_cells_by_type: { SB_LUT4: 5, SB_CARRY: 3, SB_DFFE: 2 } },
    '$paramod$abc123\\rom\\MEM_FILE=x': { num_cells_by_type: { SB_RAM40_4K: 2 } },
    '$paramod$def456\\rom\\MEM_FILE=y': { num_cells_by_type: { SB_RAM40_4K: 2 } },
    '\\unused': { num_cells_by_type: { SB_LUT4: 99 } },
  },
});

describe('targets and cells', () => {
  it('knows every target and refuses an unknown one with a LutnnError', () => {
    expect(TARGET_NAMES).toEqual(['ice40-hx8k', 'ice40-up5k', 'ecp5', 'xilinx-7', 'gowin', 'sg13g2']);
    expect(() => getTarget('ice40-hx1k')).toThrow(LutnnError);
    expect(() => getTarget('ice40-hx1k')).toThrow(/expected: one of ice40-hx8k/);
  });

  it('classifies cells per family and lists unknown ones apart', () => {
    const x = classifyCells(TARGETS['xilinx-7'], { LUT6: 3, FDRE: 2, RAMB18E1: 2, RAM64M: 1, MUXF7: 4, DSP48E1: 1 });
    expect(x.counts).toEqual({ LUT: 7, FF: 2, CARRY: 0, BRAM: 1, DSP: 1 });
    expect(x.other).toEqual({ MUXF7: 4 });
    expect(classifyCells(TARGETS.ecp5, { CCU2C: 2, LUT4: 1 }).counts.LUT).toBe(5);
  });

  it('classifies IHP SG13G2 standard cells: flip-flops and latches as FF, every other library cell as logic', () => {
    const a = classifyCells(TARGETS.sg13g2, { sg13g2_dfrbpq_1: 4, sg13g2_dfrbp_2: 1, sg13g2_sdfrbpq_1: 1, sg13g2_dlhq_1: 2, sg13g2_dllrq_1: 1, sg13g2_nand2_1: 7, sg13g2_a21oi_1: 3, sg13g2_mux4_1: 1, sg13g2_xor2_1: 2, $scopeinfo: 1 });
    expect(a.counts).toEqual({ LUT: 13, FF: 9, CARRY: 0, BRAM: 0, DSP: 0 });
    expect(a.other).toEqual({ $scopeinfo: 1 });
  });

  it('maps an ASIC target with the Liberty library at the clock period and reads ABC\'s delays per module', () => {
    const s = yosysScript({ target: TARGETS.sg13g2, top: 't', verilog: ['t.v'], netlist: false, keepHierarchy: true, clockPeriodPs: 6000 });
    expect(s).toContain('synth -top t\ndfflibmap -liberty cells.lib\nabc -liberty cells.lib -D 6000 -script +strash;');
    expect(s).toContain('stime,-p\nopt_clean\ntee -q -o stat.json stat -json -liberty cells.lib -top t\n');
    const log = [
      "13.1. Extracting gate netlist of module `$paramod$ab12\\x_requant' to `<abc-temp-dir>/input.blif'..",
      'ABC: WireLoad = "none"  Gates =    563 ( 13.1 %)   Cap =  3.9 ff (  2.7 %)   Area =     4995.84 ( 94.5 %)   Delay =  1067.41 ps  (  2.0 %)',
      "13.2. Extracting gate netlist of module `\\x_top' to `<abc-temp-dir>/input.blif'..",
      'ABC: WireLoad = "none"  Gates =      1 ( 0.0 %)   Cap =  0.1 ff (  0.0 %)   Area =        9.07 (100.0 %)   Delay =    60.00 ps  (  0.0 %)',
    ].join('\n');
    const d = abcDelays(log);
    expect(d).toEqual({ '$paramod$ab12\\x_requant': 1067.41, x_top: 60 });
    const r = asicReport(TARGETS.sg13g2.liberty!, 7257.6, d, 6000);
    expect(r.kGE).toBeCloseTo(1, 12);
    expect(r.delays).toEqual({ x_requant: 1067.41, x_top: 60 });
    expect([r.worstDelayModule, r.worstDelayPs]).toEqual(['x_requant', 1067.41]);
  });

  it('writes a deterministic Yosys script that synthesises distributed ROMs as logic', () => {
    const s = yosysScript({ target: TARGETS['ice40-hx8k'], top: 't', verilog: ['a.v', 't.v'], netlist: true, keepHierarchy: true });
    expect(s).toContain('synth_ice40 -top t -noflatten');
    expect(s).toContain('a:rom_style=distributed');
    expect(s).toContain('write_json netlist.json');
    expect(yosysScript({ target: TARGETS['xilinx-7'], top: 't', verilog: ['t.v'], netlist: false, keepHierarchy: true })).toContain('synth_xilinx -family xc7 -top t\n');
    // Gowin: synth_gowin stops before map_cells, whose steps follow without the final autoname.
    const g = yosysScript({ target: TARGETS.gowin, top: 't', verilog: ['t.v'], netlist: false, keepHierarchy: true });
    expect(g).toContain('synth_gowin -top t -noflatten -run :map_cells\ntechmap -map +/gowin/cells_map.v\n');
    expect(g).not.toContain('autoname');
  });
});

describe('stat parsing', () => {
  it('sums each module over its instances, merges parameter variants and ignores unused modules', () => {
    const t = TARGETS['ice40-hx8k'];
    const { modules, total } = parseStat(STAT, t, 'top');
    expect(modules.map((m) => [m.module, m.instances])).toEqual([['top', 1], ['rom', 2], ['unit', 2]]);
    expect(modules.find((m) => m.module === 'unit')!.counts).toEqual({ LUT: 10, FF: 4, CARRY: 6, BRAM: 0, DSP: 0 });
    expect(total).toEqual({ LUT: 20, FF: 8, CARRY: 6, BRAM: 4, DSP: 0 });
    expect(baseModuleName('$paramod$0123abcd\\example_fc1_table_rom\\MEM_FILE=a')).toBe('example_fc1_table_rom');
  });

  it('flags a block memory that synthesis did not map to block RAM', () => {
    const t = TARGETS['ice40-hx8k'];
    const layer = plan.layers[0] as LutLinearPlan;
    const ok = checkMemories(plan, [{ module: layer.modules.tableRom, instances: 4, counts: { LUT: 0, FF: 0, CARRY: 0, BRAM: 64, DSP: 0 }, other: {} }], t);
    expect(ok).toEqual([{ module: layer.modules.tableRom, planned: 'block', bram: 64, ok: true }]);
    const bad = checkMemories(plan, [{ module: layer.modules.tableRom, instances: 4, counts: { LUT: 900, FF: 0, CARRY: 0, BRAM: 0, DSP: 0 }, other: {} }], t);
    expect(bad[0].ok).toBe(false);
  });

  it('prints used / available (%) per resource with the estimate beside it', () => {
    const t = TARGETS['ice40-hx8k'];
    const { modules, total } = parseStat(STAT, t, 'top');
    const r: SynthReport = { tool: 'Yosys', target: t.name, device: t.device, top: 'top', available: t.available, labels: t.labels, total, modules, memories: [], estimate: estimateDesign(plan, t), pnr: null, pnrStatus: 'failed', warnings: [], synthSeconds: 1, pnrError: 'does not fit' };
    const text = formatReport(r);
    expect(text).toContain('20 / 7680 (0.3 %)');
    expect(text).toContain('4 / 32 (12.5 %)');
    expect(text).toContain('estimate (analytic)');
    expect(text).toContain('place&route FAILED: does not fit');
  });
});

describe('nextpnr', () => {
  it('reads Fmax, utilisation and the critical path from the JSON report', () => {
    const report = JSON.stringify({
      utilization: { ICESTORM_LC: { used: 100, available: 7680 }, ICESTORM_RAM: { used: 2, available: 32 } },
      fmax: { 'clk_i$SB_IO_IN_$glb_clk': { achieved: 181.5, constraint: 175 } },
      critical_paths: [{ from: 'a', to: 'b', path: [{ type: 'clk-to-q', delay: 0.5, from: { cell: 'r1' } }, { type: 'logic', delay: 2, to: { cell: 'r2' } }] }],
    });
    const p = parseNextpnrReport(report);
    expect(p.fmaxMhz).toBe(181.5);
    expect(p.utilisation.ICESTORM_LC).toEqual({ used: 100, available: 7680 });
    expect(p.criticalPath).toBe('r1 -> r2, 2.50 ns, 1 logic cells');
  });

  it('wraps a design in a lint-clean serial I/O wrapper', async () => {
    const src = await readFile(join(example, `${plan.top}.v`), 'utf8');
    const ports = parsePorts(src, plan.top);
    expect(ports.find((p) => p.name === 'in_data_i')).toEqual({ name: 'in_data_i', direction: 'input', width: 512 });
    expect(ports.find((p) => p.name === 'out_data_o')).toEqual({ name: 'out_data_o', direction: 'output', width: 256 });
    const w = pnrWrapper(plan.top, ports);
    expect(w.flops).toBe(1 + 1 + 512 + 1 + 1 + 256 + 1);
    await writeFile(join(example, `${WRAPPER_MODULE}.v`), w.verilog);
    const { verilog } = await designSources(example);
    const r = await execa('verilator', ['--lint-only', '-Wall', '-Wno-UNUSEDSIGNAL', '--top-module', WRAPPER_MODULE, ...verilog, `${WRAPPER_MODULE}.v`], { cwd: example, reject: false, all: true });
    expect(r.all ?? '').toBe('');
  });
});

describe('estimator', () => {
  it('counts block RAM primitives exactly per family', () => {
    // 256-bit x 64-word banks: 16 iCE40 EBRs (16 x 256) per bank; 8 ECP5 DP16KD (36 x 512).
    expect(bramCount('ice40', 256, 64)).toBe(16);
    expect(bramCount('ecp5', 256, 64)).toBe(8);
    expect(bramCount('xilinx', 256, 64)).toBe(4);
    const e = estimateDesign(plan, TARGETS['ice40-hx8k']);
    expect(e.total.BRAM).toBe(64);
    const top = e.units.find((u) => u.module === plan.top)!;
    expect([top.latency, top.ii]).toEqual([plan.timing.latency, plan.timing.initiationInterval]);
  });
});

describe('place-and-route fit check', () => {
  it('skips nextpnr with a clear reason when the netlist needs more than the device has', () => {
    const t = getTarget('ice40-hx8k');
    expect(pnrMisfit({ LUT: 7680, FF: 7000, CARRY: 900, BRAM: 32, DSP: 0 }, t)).toBeNull();
    const msg = pnrMisfit({ LUT: 51234, FF: 7000, CARRY: 900, BRAM: 64, DSP: 0 }, t);
    expect(msg).toContain('does not fit iCE40HX8K-CT256');
    expect(msg).toContain('51234 LC (LUT4) needed, 7680 available');
    expect(msg).toContain('64 EBR (4 kbit) needed, 32 available');
    expect(msg).not.toContain('DFF');
  });

  it('knows from the estimate alone when writing a netlist for nextpnr is pointless', () => {
    const t = getTarget('ice40-hx8k');
    // The bundled example needs 64 EBR on a 32-EBR device: no netlist is written for it.
    expect(clearlyTooBig(estimateDesign(plan, t).total, t)).toBe(true);
    // Within the estimate's error of the device it must still be tried.
    expect(clearlyTooBig({ LUT: 7680 * 1.9, FF: 0, CARRY: 0, BRAM: 33, DSP: 0 }, t)).toBe(false);
    expect(clearlyTooBig({ LUT: 7680 * 2 + 1, FF: 0, CARRY: 0, BRAM: 0, DSP: 0 }, t)).toBe(true);
    expect(clearlyTooBig({ LUT: 100, FF: 0, CARRY: 0, BRAM: 34, DSP: 0 }, t)).toBe(true);
  });
});

describe('nearly full device warning (issue 11)', () => {
  const t = TARGETS['ice40-hx8k'];
  const counts = (LUT: number, FF: number) => ({ LUT, FF, CARRY: 0, BRAM: 0, DSP: 0 });

  it('warns above 60 % of the LCs or flops, naming the resource, the percentage and what to do', () => {
    expect(NEARLY_FULL_FRACTION).toBe(0.6);
    // 4608 is exactly 60 % of 7680: no warning; one more LC is above.
    expect(fullnessWarnings(counts(4608, 4608), t, { pnr: true })).toEqual([]);
    expect(fullnessWarnings(counts(1000, 200), t, { pnr: true })).toEqual([]);
    const [w, ...rest] = fullnessWarnings(counts(5530, 1200), t, { pnr: true });
    expect(rest).toEqual([]);
    expect(w).toBe(
      'iCE40HX8K-CT256 is nearly full: LC (LUT4) 5530 of 7680 (72.0 %), more than 60 %. ' +
        'Place-and-route of a nearly full iCE40 can take long (many minutes; it may not finish within --pnr-timeout). ' +
        'To make it easier: fewer codebooks_per_cycle / outputs_per_cycle in hw.yaml (lutnn gen-rtl --config), a bigger device (another --target), or skip place-and-route with --no-pnr.',
    );
    expect(fullnessWarnings(counts(4609, 100), t, { pnr: true })[0]).toContain('LC (LUT4) 4609 of 7680 (60.0 %)');
    // Flops alone, and both.
    expect(fullnessWarnings(counts(100, 5000), t, { pnr: true })[0]).toContain('DFF 5000 of 7680 (65.1 %)');
    expect(fullnessWarnings(counts(7000, 5000), t, { pnr: true })[0]).toContain('LC (LUT4) 7000 of 7680 (91.1 %), DFF 5000 of 7680 (65.1 %), more than 60 %');
  });

  it('leaves out the place-and-route advice without place-and-route, and says when the design does not fit', () => {
    const x = TARGETS['xilinx-7'];
    // xilinx-7 has 41,600 FF: 13,000 LUT6 of 20,800 is 62.5 %, 13,000 FF is not nearly full.
    const [w] = fullnessWarnings(counts(13000, 13000), x, { pnr: false });
    expect(w).toBe('XC7A35T is nearly full: LUT6 13000 of 20800 (62.5 %), more than 60 %. To make it easier: fewer codebooks_per_cycle / outputs_per_cycle in hw.yaml (lutnn gen-rtl --config), a bigger device (another --target).');
    const over = fullnessWarnings(counts(9000, 100), t, { pnr: false })[0];
    expect(over).toContain('The design needs more than iCE40HX8K-CT256 has: LC (LUT4) 9000 of 7680 (117.2 %).');
    expect(over).not.toContain('--no-pnr');
    // The packed logic cells nextpnr reports use the same rule.
    expect(nearlyFullWarning([{ label: 'logic cells', used: 5000, available: 7680 }], t.device, { pnr: true })).toContain('logic cells 5000 of 7680 (65.1 %)');
    expect(nearlyFullWarning([{ label: 'logic cells', used: 4000, available: 7680 }], t.device, { pnr: true })).toBeNull();
  });

  it('prints warnings and the place-and-route status in report.txt', () => {
    const base: SynthReport = { tool: 'Yosys', target: t.name, device: t.device, top: 'top', available: t.available, labels: t.labels, total: counts(5530, 1200), modules: [], memories: [], estimate: null, pnr: null, pnrStatus: 'pending', pnrStartedAt: '2025-01-01T00:00:00.000Z', pnrTimeLimitSeconds: 300, warnings: fullnessWarnings(counts(5530, 1200), t, { pnr: true }), synthSeconds: 1 };
    const pending = formatReport(base);
    expect(pending).toMatch(/^warning    iCE40HX8K-CT256 is nearly full: LC \(LUT4\) 5530 of 7680 \(72\.0 %\)/m);
    expect(pending).toContain('place&route pending: nextpnr-ice40 started 2025-01-01T00:00:00.000Z with a 300 s time limit; this report is rewritten when it ends');
    const timedOut = formatReport({ ...base, pnrStatus: 'timed-out', pnrError: 'nextpnr-ice40 did not finish within 300 s.\n  found:    stopped after 300 s while routing' });
    expect(timedOut).toContain('place&route TIMED OUT: nextpnr-ice40 did not finish within 300 s. |   found:    stopped after 300 s while routing');
    expect(timedOut).not.toContain('pending');
    expect(formatReport({ ...base, pnrStatus: 'failed', pnrError: 'does not fit', warnings: [] })).not.toContain('warning');
  });
});

describe('nextpnr progress (issue 11)', () => {
  it('reads the phase and its latest detail from nextpnr-ice40 log lines', () => {
    const seen = (line: string) => {
      const p = nextpnrProgress(line);
      return p && describeProgress(p);
    };
    expect(seen('Info: Packing constants..')).toBe('packing');
    expect(seen('Info: Placed 0 cells based on constraints.')).toBe('placing (initial placement)');
    expect(seen('Info:     at initial placer iter 2, wirelen = 96')).toBe('placing (initial iteration 2, wirelength 96)');
    expect(seen('Info:     at iteration #7, type ALL: wirelen solved = 551, spread = 2401, legal = 2888; time = 0.04s')).toBe('placing (analytic iteration 7, wirelength 2888)');
    expect(seen('Info: Running simulated annealing placer for refinement.')).toBe('placing (annealing)');
    expect(seen('Info:   at iteration #25: temp = 0.000000, timing cost = 213, wirelen = 1957')).toBe('placing (annealing iteration 25, wirelength 1957)');
    expect(seen('Info: Running router2...')).toBe('routing (router2)');
    expect(seen('Info:     iter=12 wires=9864 overused=3 overuse=3 archfail=NA')).toBe('routing (iteration 12, 3 wires overused)');
    expect(seen('Info:     iter=13 wires=9866 overused=1 overuse=1 archfail=NA')).toBe('routing (iteration 13, 1 wire overused)');
    expect(seen('Info: Running router1 to check that route is legal...')).toBe('routing (legality check)');
    expect(seen('Info:       1000 |      900        100 |  900   100 |      4213|       1.20       3.40|')).toBe('routing (router1 iteration 1000, 4213 arcs left)');
    expect(seen("Info: Critical path report for clock 'clk' (posedge -> posedge):")).toBe('timing analysis');
    expect(seen('Info: Program finished normally.')).toBe('finished');
    expect(seen('Info: Checksum: 0x4c4ee425')).toBeNull();
  });

  it('gives interactive place-and-route a 300 s limit', () => {
    expect(DEFAULT_PNR_TIMEOUT_SECONDS).toBe(300);
  });
});
