/** Handoff bundles: every file a script references is in the bundle, and each bundle has its README. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_EXAMPLE } from '../../generator/cli/gen-rtl.ts';
import { LutnnError } from '../../generator/errors.ts';
import { genRtl } from '../../generator/gen-rtl.ts';
import { quartusFamily, writeHandoff } from '../../generator/handoff/bundle.ts';
import { parse } from 'yaml';

let root: string;
let example: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'lutnn-handoff-'));
  example = join(root, 'example');
  await genRtl({ model: BUNDLED_EXAMPLE.model, config: BUNDLED_EXAMPLE.config, out: example });
});
afterAll(async () => rm(root, { recursive: true, force: true }));

async function bundle(vendor: string, part?: string) {
  const out = join(root, `bundle-${vendor}`);
  await writeHandoff(example, { vendor, part, clockNs: 5, out, command: 'test' });
  return { out, files: (await readdir(out)).sort() };
}

/** Every file the design's file list names, and every memory file, is in the bundle. */
async function expectDesignFiles(out: string, files: string[]) {
  const list = (await readFile(join(out, 'files.f'), 'utf8')).trim().split('\n');
  for (const f of list) expect(files).toContain(f);
  expect(files.filter((f) => f.endsWith('.memh')).length).toBe(5);
  expect(files).toContain('README.md');
  expect(files).toContain('plan.json');
}

describe('handoff bundles', () => {
  it('vivado: non-project TCL reads every source and memory of the bundle, constrains the clock, reports', async () => {
    const { out, files } = await bundle('vivado', 'xc7a35tcpg236-1');
    await expectDesignFiles(out, files);
    const tcl = await readFile(join(out, 'build.tcl'), 'utf8');
    const referenced = [...tcl.matchAll(/read_\w+ (?:-mode \S+ )?\[file join \$here ([^\]\s]+)\]/g)].map((m) => m[1]);
    for (const f of referenced) expect(files, `build.tcl references ${f}`).toContain(f);
    // Every Verilog and memory file of the bundle is read by the script.
    for (const f of files.filter((x) => x.endsWith('.v') || x.endsWith('.memh') || x.endsWith('.xdc'))) expect(referenced).toContain(f);
    expect(tcl).toContain('synth_design -top example_fc1_top -part xc7a35tcpg236-1 -mode out_of_context');
    expect(tcl).toMatch(/report_utilization/);
    expect(tcl).toMatch(/report_timing_summary/);
    const xdc = await readFile(join(out, 'example_fc1_top.xdc'), 'utf8');
    expect(xdc).toContain('create_clock -name clk -period 5 [get_ports clk_i]');
    expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('vivado -mode batch -source build.tcl');
  });

  it('quartus: QSF names every source, memory and the SDC, with the device family', async () => {
    const { out, files } = await bundle('quartus', '10CL025YU256C8G');
    await expectDesignFiles(out, files);
    const qsf = await readFile(join(out, 'example_fc1_top.qsf'), 'utf8');
    const referenced = [...qsf.matchAll(/_FILE (\S+)$/gm)].map((m) => m[1]);
    for (const f of referenced) expect(files, `qsf references ${f}`).toContain(f);
    for (const f of files.filter((x) => x.endsWith('.v') || x.endsWith('.memh') || x.endsWith('.sdc'))) expect(referenced).toContain(f);
    expect(qsf).toContain('set_global_assignment -name FAMILY "Cyclone 10 LP"');
    expect(await readFile(join(out, 'example_fc1_top.sdc'), 'utf8')).toContain('create_clock -name clk -period 5 [get_ports {clk_i}]');
    expect(() => quartusFamily('XYZ123')).toThrow(LutnnError);
  });

  it('fusesoc: a CAPI2 core whose filesets name only bundle files, with sim and synth targets', async () => {
    const { out, files } = await bundle('fusesoc', 'ice40');
    await expectDesignFiles(out, files);
    const text = await readFile(join(out, 'example_fc1_top.core'), 'utf8');
    expect(text.startsWith('CAPI=2:\n')).toBe(true);
    const core = parse(text) as { name: string; filesets: Record<string, { files: (string | Record<string, unknown>)[] }>; targets: Record<string, { default_tool?: string; toplevel?: string }> };
    const referenced = Object.values(core.filesets).flatMap((fs) => fs.files.map((f) => (typeof f === 'string' ? f : Object.keys(f)[0])));
    for (const f of referenced) expect(files, `core references ${f}`).toContain(f);
    for (const f of files.filter((x) => x.endsWith('.v') || x.endsWith('.memh'))) expect(referenced).toContain(f);
    expect(core.targets.sim.default_tool).toBe('verilator');
    expect(core.targets.synth.default_tool).toBe('yosys');
    expect(core.targets.default.toplevel).toBe('example_fc1_top');
    expect(core.name).toMatch(/^lutnn:generated:example_fc1_top:/);
  });

  it('refuses an unknown vendor and writes nothing', async () => {
    const out = join(root, 'nope');
    await expect(writeHandoff(example, { vendor: 'libero', clockNs: 5, out, command: 'test' })).rejects.toThrow(/expected: vivado, quartus, fusesoc/);
    expect(existsSync(out)).toBe(false);
  });

  it('is byte-identical on rerun', async () => {
    const a = await bundle('vivado');
    const first = await readFile(join(a.out, 'build.tcl'), 'utf8');
    const b = await bundle('vivado');
    expect(await readFile(join(b.out, 'build.tcl'), 'utf8')).toBe(first);
  });
});
