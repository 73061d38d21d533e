/** Runs a built simulator on a batch of input vectors and reads back outputs and cycle counts. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LutnnError } from '../generator/errors.ts';
import type { LoadWrite } from '../generator/plan/load-map.ts';
import type { DesignPlan } from '../generator/plan/types.ts';

export interface SimOptions {
  seed: number;
  /** Probability that the driver leaves a cycle without input valid. */
  gapProbability: number;
  /** Probability that output ready is low in a cycle. */
  stallProbability: number;
  /** Optional VCD dump of cycles [from, to]. */
  trace?: { path: string; fromCycle: number; toCycle: number };
  /** Writes through the table load port before the first vector (table_storage: ram; tb/load.ts). */
  load?: LoadWrite[];
}

/** The harness's --load file: per write a uint32 address, then the data as `words` uint32, low word first. */
export function loadRecords(writes: LoadWrite[], dataWidth: number): Buffer {
  const words = Math.ceil(dataWidth / 32);
  const buf = Buffer.alloc(writes.length * 4 * (1 + words));
  writes.forEach((w, i) => {
    const at = i * 4 * (1 + words);
    buf.writeUInt32LE(w.address, at);
    for (let k = 0; k < words; k++) buf.writeUInt32LE(Number((w.data >> BigInt(32 * k)) & 0xffffffffn), at + 4 * (1 + k));
  });
  return buf;
}

export interface SimResult {
  outputs: Int32Array;
  /** Cycle of each vector's input handshake (−1 if never accepted). */
  acceptCycles: number[];
  /** Cycle of each vector's output handshake (−1 if never produced). */
  outputCycles: number[];
  totalCycles: number;
  /** Set when the harness stopped early (watchdog, cycle limit). */
  failure?: string;
}

export async function runSimulator(binary: string, designDir: string, design: DesignPlan, inputs: Int32Array, opts: SimOptions): Promise<SimResult> {
  const count = inputs.length / design.io.input.elements;
  const work = await mkdtemp(join(tmpdir(), 'lutnn-sim-'));
  try {
    const inPath = join(work, 'in.bin');
    const outPath = join(work, 'out.bin');
    const cyclesPath = join(work, 'cycles.bin');
    await writeFile(inPath, Buffer.from(inputs.buffer, inputs.byteOffset, inputs.byteLength));
    const args = ['--in', inPath, '--out', outPath, '--cycles', cyclesPath, '--count', String(count), '--seed', String(opts.seed), '--gap', String(opts.gapProbability), '--stall', String(opts.stallProbability)];
    if (opts.trace) args.push('--trace', opts.trace.path, '--trace-from', String(opts.trace.fromCycle), '--trace-to', String(opts.trace.toCycle));
    if (opts.load) {
      if (!design.load) throw new LutnnError('The design has no table load port.', { file: designDir, expected: 'a design generated with table_storage: ram', found: 'table_storage: rom on every layer' });
      const loadPath = join(work, 'load.bin');
      await writeFile(loadPath, loadRecords(opts.load, design.load.dataWidth));
      args.push('--load', loadPath);
    }
    // Memory files are read relative to the working directory: run inside the design folder.
    const proc = await execa(binary, args, { cwd: designDir, reject: false });
    if (proc.exitCode !== 0 && proc.exitCode !== 3 && proc.exitCode !== 4 && proc.exitCode !== 5) {
      throw new LutnnError('The simulator failed.', { file: binary, expected: 'exit code 0 (or 3 watchdog, 4 cycle limit, 5 tlast)', found: `exit ${proc.exitCode}: ${proc.stderr.trim()}` });
    }
    const outBuf = await readFile(outPath);
    const cycBuf = await readFile(cyclesPath).catch(() => Buffer.alloc(count * 16, 0xff));
    const outputs = new Int32Array(count * design.io.output.elements);
    for (let i = 0; i < outputs.length; i++) outputs[i] = outBuf.readInt32LE(i * 4);
    const acceptCycles: number[] = [];
    const outputCycles: number[] = [];
    for (let n = 0; n < count; n++) {
      acceptCycles.push(Number(cycBuf.readBigInt64LE(n * 16)));
      outputCycles.push(Number(cycBuf.readBigInt64LE(n * 16 + 8)));
    }
    const summary = proc.exitCode === 0 ? (JSON.parse(proc.stdout.trim().split('\n').pop() ?? '{}') as { cycles?: number }) : {};
    return {
      outputs,
      acceptCycles,
      outputCycles,
      totalCycles: summary.cycles ?? -1,
      failure: proc.exitCode === 0 ? undefined : proc.stderr.trim(),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
