/** Verilator -Wall lint of a generated design; returns Verilator's complaints (empty when clean). */
import { execa } from 'execa';
import { designSources } from '../../tb/build.ts';

export async function lintDesign(designDir: string, top: string): Promise<string> {
  const { verilog } = await designSources(designDir);
  const r = await execa('verilator', ['--lint-only', '-Wall', '--top-module', top, ...verilog], { cwd: designDir, reject: false, all: true });
  return (r.all ?? '').trim();
}
