/**
 * In-process place-and-route on iCE40 with YoWASP nextpnr-ice40, and its timing/utilisation
 * report. A layer's parallel ports (hundreds of bits) are far wider than a package has pins, so
 * place-and-route runs on a wrapper that feeds every input from one serial shift register and
 * captures every output into a shift register: one pin in, one pin out, and every path of the
 * design still runs from a register to a register. The wrapper's flops are reported apart.
 */
import { Worker } from 'node:worker_threads';
import { LutnnError } from '../errors.ts';

export interface Port {
  name: string;
  direction: 'input' | 'output';
  width: number;
}

/** Ports of `module` in a generated Verilog file (ANSI port list, one port per line). */
export function parsePorts(verilog: string, module: string): Port[] {
  const start = verilog.indexOf(`module ${module}`);
  if (start < 0) throw new LutnnError('Top module not found in its file.', { field: module, expected: `module ${module}`, found: 'no such module' });
  const header = verilog.slice(start, verilog.indexOf(');', start));
  const ports: Port[] = [];
  for (const line of header.split('\n')) {
    const m = /^\s*(input|output)\s+(?:wire|reg)?\s*(?:signed\s+)?(?:\[(\d+):(\d+)\])?\s*(\w+)/.exec(line);
    if (m) ports.push({ direction: m[1] as Port['direction'], name: m[4], width: m[2] === undefined ? 1 : Number(m[2]) - Number(m[3]) + 1 });
  }
  return ports;
}

export const WRAPPER_MODULE = 'lutnn_pnr_wrap';

/** The serial I/O wrapper of `top` (Verilog-2005) and the number of flops it adds. */
export function pnrWrapper(top: string, ports: Port[]): { verilog: string; flops: number } {
  const clock = ports.find((p) => p.name === 'clk_i');
  if (!clock) throw new LutnnError('The design has no clock port.', { field: top, expected: 'an input clk_i', found: ports.map((p) => p.name).join(', ') });
  const ins = ports.filter((p) => p.direction === 'input' && p.name !== 'clk_i');
  const outs = ports.filter((p) => p.direction === 'output');
  const inBits = Math.max(2, ins.reduce((a, p) => a + p.width, 0));
  const outBits = Math.max(2, outs.reduce((a, p) => a + p.width, 0));
  const conns = ['    .clk_i (clk_i)'];
  let lsb = 0;
  for (const p of ins) {
    conns.push(`    .${p.name} (in_q[${lsb + p.width - 1}:${lsb}])`);
    lsb += p.width;
  }
  lsb = 0;
  for (const p of outs) {
    conns.push(`    .${p.name} (out_w[${lsb + p.width - 1}:${lsb}])`);
    lsb += p.width;
  }
  const verilog = `\`default_nettype none
// Place-and-route wrapper: every input of ${top} comes from a serial shift register, every output
// is captured into a shift register, so the design needs three pins and all its paths are timed.
module ${WRAPPER_MODULE} (
  input  wire clk_i,
  input  wire sin_i,
  input  wire sel_i,
  output wire sout_o
);
  reg [${inBits - 1}:0] in_q;
  always @(posedge clk_i) in_q <= {in_q[${inBits - 2}:0], sin_i};
  wire [${outBits - 1}:0] out_w;
  ${top} u_dut (
${conns.join(',\n')}
  );
  reg [${outBits - 1}:0] out_q;
  always @(posedge clk_i) out_q <= sel_i ? out_w : {1'b0, out_q[${outBits - 1}:1]};
  assign sout_o = out_q[0];
endmodule
\`default_nettype wire
`;
  return { verilog, flops: inBits + outBits };
}

export interface PnrResult {
  device: string;
  constraintMhz: number;
  fmaxMhz: number;
  met: boolean;
  utilisation: Record<string, { used: number; available: number }>;
  criticalPath: string | null;
  wrapper: { module: string; flops: number } | null;
  seconds: number;
  seed: number;
  /** nextpnr ran with --tmg-ripup. */
  timingRipup: boolean;
}

interface NextpnrReport {
  utilization?: Record<string, { used: number; available: number }>;
  fmax?: Record<string, { achieved: number; constraint: number }>;
  critical_paths?: { from: string; to: string; path: { type: string; delay: number; from?: { cell: string }; to?: { cell: string } }[] }[];
}

/** Achieved Fmax (slowest clock), utilisation and a one-line critical path from nextpnr's JSON report. */
export function parseNextpnrReport(text: string): Pick<PnrResult, 'fmaxMhz' | 'utilisation' | 'criticalPath'> {
  const r = JSON.parse(text) as NextpnrReport;
  const clocks = Object.values(r.fmax ?? {});
  const fmaxMhz = clocks.length === 0 ? Infinity : Math.min(...clocks.map((c) => c.achieved));
  let criticalPath: string | null = null;
  const cp = r.critical_paths?.[0];
  if (cp) {
    const total = cp.path.reduce((a, s) => a + s.delay, 0);
    const logic = cp.path.filter((s) => s.type === 'logic').length;
    const end = cp.path[cp.path.length - 1]?.to?.cell ?? cp.to;
    const begin = cp.path[0]?.from?.cell ?? cp.from;
    criticalPath = `${begin} -> ${end}, ${total.toFixed(2)} ns, ${logic} logic cells`;
  }
  return { fmaxMhz, utilisation: r.utilization ?? {}, criticalPath };
}

export interface PnrOptions {
  flag: '--hx8k' | '--up5k';
  package: string;
  freqMhz: number;
  seed?: number;
  /** Timing-driven rip-up in the router (nextpnr --tmg-ripup). */
  timingRipup?: boolean;
  /** Stop nextpnr after this many seconds (default DEFAULT_PNR_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
  onStage?: (s: string) => void;
}

/** nextpnr's placer can hang on an unlucky seed; a run this long is stopped and reported. */
export const DEFAULT_PNR_TIMEOUT_SECONDS = 1800;

/** Place and route a flattened Yosys netlist; the report is produced even when timing fails. */
export async function runPnr(netlist: string, o: PnrOptions): Promise<{ result: Omit<PnrResult, 'wrapper'>; log: string }> {
  const started = Date.now();
  const seed = o.seed ?? 1;
  let log = '';
  const decoder = new TextDecoder();
  const sink = (b: Uint8Array | null) => {
    if (!b) return;
    const chunk = decoder.decode(b, { stream: true });
    log += chunk;
    if (o.onStage) for (const line of chunk.split('\n')) {
      const m = /^Info: (Placed \d+ cells|Running main analytical placer|Running simulated annealing placer|Running router2|Program finished normally)/.exec(line);
      if (m) o.onStage(`nextpnr: ${m[1].toLowerCase()}`);
      // The long phases: annealing iterations and router progress, so a slow run shows it is alive.
      const sa = /^Info:\s+at iteration #(\d+): temp = [\d.e+-]+, timing cost = (\d+), wirelen = (\d+)/.exec(line);
      if (sa) o.onStage(`nextpnr: annealing iteration ${sa[1]} (timing cost ${sa[2]}, wirelength ${sa[3]})`);
      const rt = /^Info:\s+iter=(\d+) wires=\d+ overused=(\d+)/.exec(line);
      if (rt) o.onStage(`nextpnr: routing iteration ${rt[1]}, ${rt[2]} wires overused`);
    }
  };
  // router2: router1 can thrash for an hour on a congested iCE40 (thousands of arcs ripped up and
  // rerouted without progress); router2 negotiates congestion and finishes in seconds here.
  // --tmg-ripup (opt-in): router2 also rips up and reroutes timing-critical arcs that took a
  // detour around congestion. On the pipeline: max units of bench/qor.ts it raised Fmax by 3–10 %
  // for the same placement seed; on a design far from its constraint it can route for ten
  // minutes and more instead of one (docs/synthesis.md).
  const args = [o.flag, '--package', o.package, '--json', 'netlist.json', '--report', 'report.json', '--freq', String(o.freqMhz), '--timing-allow-fail', '--pcf-allow-unconstrained', '--router', 'router2', ...(o.timingRipup ? ['--tmg-ripup'] : []), '--seed', String(seed)];
  const limit = o.timeoutSeconds ?? DEFAULT_PNR_TIMEOUT_SECONDS;
  const outcome = await new Promise<{ type: 'done'; report: string | null } | { type: 'error'; message: string } | { type: 'timeout' }>((resolve) => {
    const worker = new Worker(new URL('./nextpnr-worker.mjs', import.meta.url), { workerData: { args, netlist } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ type: 'timeout' });
    }, limit * 1000);
    worker.on('message', (m: { type: 'output'; chunk: Uint8Array } | { type: 'done'; report: string | null } | { type: 'error'; message: string }) => {
      if (m.type === 'output') return sink(m.chunk);
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.on('error', (err) => {
      clearTimeout(timer);
      resolve({ type: 'error', message: err.message });
    });
  });
  if (outcome.type === 'timeout') {
    throw new LutnnError(`nextpnr-ice40 did not finish within ${limit} s.`, { expected: 'place-and-route to finish (nextpnr can hang on some placement seeds)', found: `stopped after ${limit} s; try another --seed or a longer --pnr-timeout` });
  }
  if (outcome.type === 'error') {
    const tail = log.split('\n').filter((l) => /ERROR|error/.test(l)).slice(-5).join('\n');
    throw new LutnnError('nextpnr-ice40 could not place and route the design.', { expected: 'a design that fits the device', found: tail || outcome.message });
  }
  const text = outcome.report ?? undefined;
  if (text === undefined) throw new LutnnError('nextpnr-ice40 wrote no report.', { expected: 'report.json', found: log.split('\n').slice(-5).join('\n') });
  const parsed = parseNextpnrReport(text);
  return {
    result: {
      device: o.flag.slice(2),
      constraintMhz: o.freqMhz,
      ...parsed,
      met: parsed.fmaxMhz >= o.freqMhz,
      seconds: (Date.now() - started) / 1000,
      seed,
      timingRipup: o.timingRipup === true,
    },
    log,
  };
}
