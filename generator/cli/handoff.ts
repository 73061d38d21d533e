/** `lutnn handoff`: a vendor bundle (Vivado, Quartus, FuseSoC) of a generated design. */
import { relative } from 'node:path';
import type { Command } from 'commander';
import { LutnnError } from '../errors.ts';
import { VENDORS, writeHandoff } from '../handoff/bundle.ts';
import { makeReporter } from './progress.ts';

export function handoffCommand(program: Command): void {
  program
    .command('handoff')
    .description('Bundle a generated design for a vendor flow: sources, memories, scripts, constraints and a README.')
    .argument('<design-dir>', 'folder written by lutnn gen-rtl')
    .requiredOption('--vendor <vendor>', VENDORS.join(' | '))
    .option('--part <part>', 'device: Vivado part (default xc7a35tcpg236-1), Quartus device (default 5CEBA4F23C7), FuseSoC Yosys arch (default ice40)')
    .option('--clock-ns <ns>', 'clock period in ns', (v) => {
      const n = Number(v);
      if (!(n > 0 && n < 1000)) throw new LutnnError('Invalid clock period.', { field: '--clock-ns', expected: 'a period in ns, 0 < t < 1000', found: JSON.stringify(v) });
      return n;
    }, 10)
    .requiredOption('-o, --out <dir>', 'bundle folder (replaced atomically)')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', '\nExamples:\n  npx lutnn handoff rtl-out/example --vendor vivado --part xc7a35tcpg236-1 --clock-ns 5 -o handoff/\n  npx lutnn handoff rtl-out/example --vendor fusesoc -o handoff-fusesoc/\n')
    .action(async (designDir: string, opts: { vendor: string; part?: string; clockNs: number; out: string; quiet?: boolean }) => {
      const report = makeReporter(opts.quiet === true);
      const parts = ['npx lutnn handoff', designDir, `--vendor ${opts.vendor}`];
      if (opts.part) parts.push(`--part ${opts.part}`);
      parts.push(`--clock-ns ${opts.clockNs}`, `-o ${opts.out}`);
      const r = await writeHandoff(designDir, { ...opts, command: parts.join(' ') });
      report.done(`wrote ${r.files.length} files to ${relative(process.cwd(), r.outDir) || '.'}`);
    });
}
