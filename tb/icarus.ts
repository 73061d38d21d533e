/**
 * A second simulator: Icarus Verilog running a generated plain Verilog-2005 testbench
 * (tb/templates/testbench.v.hbs) that streams vectors through the design with exactly the
 * stimulus of the Verilator harness (tb/templates/harness.cpp.hbs), so that for the same seed,
 * gap and stall probabilities both simulators produce the same outputs and the same accept and
 * output cycle of every vector.
 *
 * The testbench, cycle for cycle like the harness:
 *  - xorshift64* in 64-bit integers: state = seed·0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D (1 if 0);
 *    each draw s ^= s>>12, s ^= s<<25, s ^= s>>27, value = (s·0x2545F4914F6CDD1D) >> 11. The
 *    harness compares value·2^-53 >= p in doubles; that is exactly value >= ceil(p·2^53), the
 *    threshold computed here as a BigInt (rngThreshold) and passed as a plusarg.
 *  - 4 reset cycles (rst_ni low, no traffic); then per cycle: if no vector is presented and some
 *    remain, one draw decides whether the next vector is presented (held until accepted); one
 *    draw for out_ready_i; clock low, settle; sample in_ready_o / out_valid_o and record
 *    handshakes with the cycle number; rising edge. An X on in_ready_o or out_valid_o counts as 0.
 *  - The same watchdog (no output for `watchdogCycles` cycles while vectors are outstanding) and
 *    cycle limit ((N + 16)·(II + latency) + 100000), with the harness's messages.
 *  - Inputs come from a text file, one vector per line as in_data_i in hex (read with $fscanf as
 *    vectors are presented, so the vector count is a run-time plusarg); the accept cycles and
 *    the outputs (cycle and out_data_o in hex) are written to two text files as they happen.
 *    The final stdout line "STATUS ok|watchdog|cycle-limit|error" tells the driver how it ended.
 *  - Optional VCD of cycles [from, to] with $dumpvars on the design and $dumpon/$dumpoff.
 *
 * The compiled vvp file is cached by content like the Verilator build (tb/build.ts), under
 * cacheRoot()/icarus/<key>. vvp runs inside the design folder, where $readmemh finds the memory
 * files. Beyond the harness, an output with X or Z bits is reported as a failure (those bits read
 * as 0), since Verilator would have silently given them some value.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { LutnnError } from '../generator/errors.ts';
import { renderTemplate } from '../generator/emit/render.ts';
import { lit } from '../generator/emit/verilog.ts';
import { portBeats, topPortNames } from '../generator/plan/stream.ts';
import type { BeatFormat, DesignPlan } from '../generator/plan/types.ts';
import { cacheRoot, designSources, pruneCache, type BuiltSimulator } from './build.ts';
import { testbenchContext } from './harness.ts';
import type { SimOptions, SimResult } from './run.ts';

/** iverilog flags (besides -s, -o and the files); part of the cache key. */
export const ICARUS_FLAGS = ['-g2005', '-Wall', '-Wno-timescale'];

const TWO_53 = 2n ** 53n;
const U64_MAX = 2n ** 64n - 1n;

/** Name of the testbench module of a design. */
export function icarusTestbenchTop(design: DesignPlan): string {
  return `${design.top}_icarus_tb`;
}

export function icarusTestbenchSource(design: DesignPlan): string {
  const common = testbenchContext(design, 'Icarus Verilog testbench');
  return renderTemplate(
    'testbench.v.hbs',
    {
      ...common,
      tbTop: icarusTestbenchTop(design),
      inDigits: Math.ceil(common.inWidth / 4),
      load: design.load
        ? { addrMsb: design.load.addressWidth - 1, dataMsb: design.load.dataWidth - 1, addrZero: lit(0, design.load.addressWidth), dataZero: lit(0, design.load.dataWidth) }
        : false,
      outDigits: Math.ceil(common.outWidth / 4),
    },
    'tb',
  );
}

/**
 * The integer threshold equivalent to the harness's `value * 2^-53 >= p` for a 53-bit value:
 * value >= ceil(p * 2^53). The harness parses String(p) with atof, which gives back the same double.
 */
export function rngThreshold(p: number): bigint {
  if (Number.isNaN(p) || p > 1) return TWO_53 + 1n; // never true (a NaN comparison is false)
  if (p <= 0) return 0n; // always true
  return BigInt(Math.ceil(p * 2 ** 53)); // p·2^53 is exact: scaling by a power of two
}

/** The 64-bit seed the harness gets from strtoull(String(seed), 10). */
export function harnessSeed(seed: number): bigint {
  const m = /^\s*([+-]?)(\d+)/.exec(String(seed));
  if (!m) return 0n;
  const v = BigInt(m[2]);
  if (v > U64_MAX) return U64_MAX;
  return m[1] === '-' ? BigInt.asUintN(64, -v) : v;
}

let icarusVersion: string | undefined;
export async function getIcarusVersion(): Promise<string> {
  if (icarusVersion) return icarusVersion;
  try {
    const compiler = await execa('iverilog', ['-V'], { reject: false, all: true });
    const runtime = await execa('vvp', ['-V'], { reject: false, all: true });
    const first = (s: string | undefined) => (s ?? '').trim().split('\n')[0];
    if (!/Icarus Verilog/.test(first(compiler.all)) || !/Icarus Verilog/.test(first(runtime.all))) throw new Error('not Icarus');
    icarusVersion = `${first(compiler.all)}\n${first(runtime.all)}`;
  } catch {
    throw new LutnnError('Icarus Verilog is not installed or not on PATH.', {
      expected: 'iverilog and vvp (Debian: apt-get install -y iverilog)',
      found: 'no working iverilog / vvp command',
    });
  }
  return icarusVersion;
}

export interface IcarusBuild extends BuiltSimulator {
  simulator: 'icarus';
  /** What iverilog printed (warnings); empty for a clean compile. */
  compilerOutput: string;
}

export async function buildIcarus(designDir: string, design: DesignPlan): Promise<IcarusBuild> {
  const version = await getIcarusVersion();
  const { verilog, memories } = await designSources(designDir, design);
  const testbench = icarusTestbenchSource(design);
  const tbTop = icarusTestbenchTop(design);
  const hash = createHash('sha256');
  hash.update(version).update('\0').update(ICARUS_FLAGS.join(' ')).update('\0').update(tbTop).update('\0').update(testbench);
  for (const f of [...verilog, ...memories]) hash.update('\0').update(f).update('\0').update(await readFile(join(designDir, f)));
  const key = hash.digest('hex').slice(0, 24);
  const base = join(cacheRoot(), 'icarus');
  const dir = join(base, key);
  const binary = join(dir, 'sim.vvp');
  if (existsSync(binary)) {
    const now = new Date();
    await utimes(dir, now, now); // mark as recently used so pruning keeps it
    const compilerOutput = await readFile(join(dir, 'build.log'), 'utf8').catch(() => '');
    return { binary, cached: true, buildSeconds: 0, simulator: 'icarus', compilerOutput };
  }

  // Compile in a private folder and rename it into place, so concurrent builds never see half a cache entry.
  await mkdir(base, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  const started = Date.now();
  let compilerOutput: string;
  try {
    await writeFile(join(tmp, 'tb.v'), testbench);
    const args = [...ICARUS_FLAGS, '-s', tbTop, '-o', join(tmp, 'sim.vvp'), join(tmp, 'tb.v'), ...verilog.map((f) => join(designDir, f))];
    const result = await execa('iverilog', args, { cwd: designDir, reject: false, all: true });
    compilerOutput = (result.all ?? '').trim();
    if (result.exitCode !== 0 || !existsSync(join(tmp, 'sim.vvp'))) {
      throw new LutnnError('Icarus Verilog failed to compile the testbench.', {
        file: designDir,
        expected: `a successful iverilog ${ICARUS_FLAGS.join(' ')}`,
        found: compilerOutput.split('\n').slice(-30).join('\n'),
      });
    }
    await writeFile(join(tmp, 'build.log'), compilerOutput);
    if (existsSync(dir)) await rm(tmp, { recursive: true, force: true });
    else await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  await pruneCache(base);
  return { binary, cached: false, buildSeconds: (Date.now() - started) / 1000, simulator: 'icarus', compilerOutput };
}

const HEX = '0123456789abcdef';

/** One line per input beat (a whole-vector port: one per vector), lanes as in tb/harness.ts: element two's complement in its lane, in hex. */
function inputHex(inputs: Int32Array, elements: number, beat: BeatFormat): string {
  const count = inputs.length / elements;
  const { elementsPerBeat: P, beats, laneBits } = beat;
  const digits = Math.ceil((P * laneBits) / 4);
  const nibbles = new Uint8Array(digits);
  const lines: string[] = new Array(count * beats);
  for (let n = 0; n < count; n++) {
    for (let k = 0; k < beats; k++) {
      nibbles.fill(0);
      for (let l = 0; l < P && k * P + l < elements; l++) {
        const v = inputs[n * elements + k * P + l];
        for (let b = 0; b < laneBits; b++) {
          // Bits past 31 of a lane repeat the sign (>>> would wrap the shift count).
          if ((v >>> Math.min(b, 31)) & 1) {
            const p = l * laneBits + b;
            nibbles[digits - 1 - (p >> 2)] |= 1 << (p & 3);
          }
        }
      }
      let line = '';
      for (let i = 0; i < digits; i++) line += HEX[nibbles[i]];
      lines[n * beats + k] = line;
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Unpacks one output beat (hex) into sign-extended elements from `offset`; returns false if any bit is X or Z. */
function unpackBeat(hex: string, lanes: number, laneBits: number, into: Int32Array, offset: number): boolean {
  const digits = hex.length;
  let defined = true;
  for (let m = 0; m < lanes; m++) {
    let v = 0;
    for (let b = 0; b < laneBits; b++) {
      const p = m * laneBits + b;
      const nibble = HEX.indexOf(hex[digits - 1 - (p >> 2)].toLowerCase());
      if (nibble < 0) {
        defined = false;
        continue;
      }
      if ((nibble >> (p & 3)) & 1) v += 2 ** b;
    }
    if (v >= 2 ** (laneBits - 1)) v -= 2 ** laneBits;
    into[offset + m] = v | 0;
  }
  return defined;
}

export async function runIcarus(binary: string, designDir: string, design: DesignPlan, inputs: Int32Array, opts: SimOptions): Promise<SimResult> {
  const { input, output } = design.io;
  const count = inputs.length / input.elements;
  const ob = portBeats(output);
  const outWidth = ob.elementsPerBeat * ob.laneBits;
  const work = await mkdtemp(join(tmpdir(), 'lutnn-icarus-'));
  try {
    const inPath = join(work, 'in.hex');
    const acceptsPath = join(work, 'accepts.txt');
    const outputsPath = join(work, 'outputs.txt');
    await writeFile(inPath, inputHex(inputs, input.elements, portBeats(input)));
    const hex = (v: bigint) => v.toString(16);
    const args = [
      '-n',
      binary,
      `+in=${inPath}`,
      `+accepts=${acceptsPath}`,
      `+outputs=${outputsPath}`,
      `+count=${count}`,
      `+seed=${hex(harnessSeed(opts.seed))}`,
      `+gap=${hex(rngThreshold(opts.gapProbability))}`,
      `+stall=${hex(rngThreshold(opts.stallProbability))}`,
    ];
    if (opts.load) {
      if (!design.load) throw new LutnnError('The design has no table load port.', { file: designDir, expected: 'a design generated with table_storage: ram', found: 'table_storage: rom on every layer' });
      const loadPath = join(work, 'load.hex');
      await writeFile(loadPath, opts.load.map((w) => `${w.address.toString(16)} ${w.data.toString(16)}\n`).join(''));
      args.push(`+load=${loadPath}`);
    }
    if (opts.trace) args.push(`+vcd=${opts.trace.path}`, `+vcd_from=${Math.trunc(opts.trace.fromCycle)}`, `+vcd_to=${Math.trunc(opts.trace.toCycle)}`);
    // Memory files are read relative to the working directory: run inside the design folder.
    const proc = await execa('vvp', args, { cwd: designDir, reject: false });
    const lines = proc.stdout.split('\n').map((l) => l.trimEnd());
    let statusAt = lines.length - 1;
    while (statusAt >= 0 && !lines[statusAt].startsWith('STATUS ')) statusAt--;
    const status = statusAt >= 0 ? lines[statusAt].split(' ')[1] : undefined;
    const message = statusAt > 0 ? lines[statusAt - 1] : '';
    if (proc.exitCode !== 0 || !status || status === 'error') {
      throw new LutnnError('The Icarus simulation failed.', {
        file: binary,
        expected: 'vvp exit code 0 and a final STATUS line',
        found: `exit ${proc.exitCode}: ${[message, proc.stderr.trim()].filter((s) => s !== '').join('\n') || lines.slice(-5).join('\n')}`,
      });
    }

    const outputs = new Int32Array(count * output.elements);
    const acceptCycles: number[] = new Array(count).fill(-1);
    const outputCycles: number[] = new Array(count).fill(-1);
    const accepted = (await readFile(acceptsPath, 'utf8')).split('\n').filter((l) => l !== '');
    accepted.forEach((l, n) => (acceptCycles[n] = Number(l)));
    let undefinedAt: string | undefined;
    const produced = (await readFile(outputsPath, 'utf8')).split('\n').filter((l) => l !== '');
    produced.forEach((l, i) => {
      const [cycle, word] = l.split(' ');
      if (word === undefined || word.length !== Math.ceil(outWidth / 4)) {
        throw new LutnnError('The Icarus testbench wrote an unreadable output line.', { file: outputsPath, expected: `<cycle> <${Math.ceil(outWidth / 4)} hex digits>`, found: l });
      }
      // Line i is beat k of vector n; a vector's output cycle is its first beat's.
      const n = Math.floor(i / ob.beats);
      const k = i % ob.beats;
      if (n >= count) return;
      if (k === 0) outputCycles[n] = Number(cycle);
      const lanes = Math.min(ob.elementsPerBeat, output.elements - k * ob.elementsPerBeat);
      if (!unpackBeat(word, lanes, ob.laneBits, outputs, n * output.elements + k * ob.elementsPerBeat) && undefinedAt === undefined) {
        undefinedAt = `X/Z on ${topPortNames(design).outData}: vector ${n} (output beat ${k} in cycle ${cycle}) has undefined bits (${word}); they read as 0`;
      }
    });
    const summary = /cycles=(\d+)/.exec(lines[statusAt]);
    return {
      outputs,
      acceptCycles,
      outputCycles,
      totalCycles: status === 'ok' && summary ? Number(summary[1]) : -1,
      failure: status === 'ok' ? undefinedAt : message,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
