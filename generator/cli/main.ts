/**
 * The `lutnn` command line: a thin layer over the library calls in generator/ and tb/.
 * Errors in the user's input (LutnnError) are printed without a stack trace and exit 1;
 * anything else is a bug in the tool and exits 70 with the stack.
 */
import { Command, CommanderError } from 'commander';
import { LutnnError } from '../errors.ts';
import { TOOL } from '../version.ts';
import { convertCommand } from './convert.ts';
import { genRtlCommand } from './gen-rtl.ts';
import { importCommand } from './import.ts';
import { simCommand } from './sim.ts';
import { synthCommand } from './synth.ts';
import { handoffCommand } from './handoff.ts';
import { compareCommand } from './compare.ts';
import { fitNnlutCommand } from './fit-nnlut.ts';
import { reportNnlutCommand } from './report-nnlut.ts';

export const EXIT_USER_ERROR = 1;
export const EXIT_CHECK_FAILED = 2;
export const EXIT_INTERNAL = 70;

export function buildProgram(): Command {
  const program = new Command('lutnn')
    .description('Turn trained lookup-table neural networks (LUT-NN) into bit-exact, verified Verilog.')
    .version(TOOL.version)
    .exitOverride()
    .showHelpAfterError();
  genRtlCommand(program);
  simCommand(program);
  fitNnlutCommand(program);
  reportNnlutCommand(program);
  convertCommand(program);
  importCommand(program);
  synthCommand(program);
  handoffCommand(program);
  compareCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    if (err instanceof LutnnError) {
      process.stderr.write(`lutnn: error: ${err.message}\n`);
      return EXIT_USER_ERROR;
    }
    process.stderr.write(`lutnn: internal error (please report): ${(err as Error).stack ?? String(err)}\n`);
    return EXIT_INTERNAL;
  }
}
