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
  /**
   * Progress: `onStage` gets `nextpnr: <phase> (<detail>), <elapsed> s of <limit> s` when the phase
   * changes and, with the latest detail, every `progressIntervalSeconds` (default 10) in between.
   */
  onStage?: (s: string) => void;
  progressIntervalSeconds?: number;
  /** nextpnr's device utilisation after packing (ICESTORM_LC, ICESTORM_RAM, …), as soon as it is logged. */
  onUtilisation?: (u: Record<string, { used: number; available: number }>) => void;
  /** Aborting stops nextpnr (PnrStopped, kind 'interrupted'). */
  signal?: AbortSignal;
}

/**
 * Default place-and-route time limit for `lutnn synth` and `lutnn compare`: what a person waiting
 * at a terminal accepts (docs/synthesis.md, "Place-and-route time limit"). Designs this flow can
 * place on an iCE40 finish far sooner; a run this long is almost always a placer that hangs on an
 * unlucky seed (YosysHQ/nextpnr#1211) or a nearly full device. The QoR bench passes its own limit.
 */
export const DEFAULT_PNR_TIMEOUT_SECONDS = 300;

/** Default interval of the progress line while nextpnr runs (a heartbeat when the phase does not change). */
export const DEFAULT_PNR_PROGRESS_SECONDS = 10;

/** Where nextpnr is: a phase (packing, placing, …) and the latest detail of it (iteration, wirelength, overuse). */
export interface PnrProgress {
  phase: string;
  detail: string;
}

/**
 * The progress a line of nextpnr-ice40's log shows, or null. The phase names are the user's words
 * for nextpnr's steps: packing, placing (initial and HeAP analytic placement, then simulated
 * annealing), routing (router2; router1's legality check), timing analysis, finished. The details
 * are kept short so that the stage line fits an 80-column terminal.
 */
export function nextpnrProgress(line: string): PnrProgress | null {
  let m: RegExpExecArray | null;
  if (/^Info: Packing constants/.test(line)) return { phase: 'packing', detail: '' };
  if (/^Info: (Placed \d+ cells based on constraints|Creating initial analytic placement)/.test(line)) return { phase: 'placing', detail: 'initial placement' };
  if ((m = /^Info:\s+at initial placer iter (\d+), wirelen = (\d+)/.exec(line))) return { phase: 'placing', detail: `initial iteration ${m[1]}, wirelength ${m[2]}` };
  if (/^Info: Running main analytical placer/.test(line)) return { phase: 'placing', detail: 'analytic' };
  if ((m = /^Info:\s+at iteration #(\d+), type \S+: wirelen solved = \d+, spread = \d+, legal = (\d+)/.exec(line))) return { phase: 'placing', detail: `analytic iteration ${m[1]}, wirelength ${m[2]}` };
  if (/^Info: Running simulated annealing placer/.test(line)) return { phase: 'placing', detail: 'annealing' };
  if ((m = /^Info:\s+at iteration #(\d+): temp = [\d.e+-]+, timing cost = (\d+), wirelen = (\d+)/.exec(line))) return { phase: 'placing', detail: `annealing iteration ${m[1]}, wirelength ${m[3]}` };
  if (/^Info: Running router2/.test(line)) return { phase: 'routing', detail: 'router2' };
  if ((m = /^Info:\s+iter=(\d+) wires=\d+ overused=(\d+)/.exec(line))) return { phase: 'routing', detail: `iteration ${m[1]}, ${m[2]} wire${m[2] === '1' ? '' : 's'} overused` };
  if (/^Info: Running router1 to check that route is legal/.test(line)) return { phase: 'routing', detail: 'legality check' };
  if (/^Info: Routing\.\.$/.test(line)) return { phase: 'routing', detail: '' };
  if ((m = /^Info:\s+(\d+) \|\s+\d+\s+\d+ \|\s+-?\d+\s+-?\d+ \|\s+(\d+)\|/.exec(line))) return { phase: 'routing', detail: `router1 iteration ${m[1]}, ${m[2]} arcs left` };
  if (/^Info: Critical path report/.test(line)) return { phase: 'timing analysis', detail: '' };
  if (/^Info: Program finished normally/.test(line)) return { phase: 'finished', detail: '' };
  return null;
}

/** nextpnr's device utilisation lines ("Info:   ICESTORM_LC:  1022/  7680    13%"). */
function utilisationLine(line: string): [string, { used: number; available: number }] | null {
  const m = /^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%/.exec(line);
  return m ? [m[1], { used: Number(m[2]), available: Number(m[3]) }] : null;
}

/**
 * Place-and-route did not produce a result: it timed out, was interrupted, or nextpnr failed.
 * `log` is nextpnr's output up to then (written to nextpnr.log beside the report).
 */
export class PnrStopped extends LutnnError {
  constructor(
    readonly kind: 'timeout' | 'interrupted' | 'error',
    summary: string,
    location: ConstructorParameters<typeof LutnnError>[1],
    readonly log: string,
    readonly progress: PnrProgress,
    readonly seconds: number,
  ) {
    super(summary, location);
  }
}

/** "routing (iteration 12, 3 wires overused)". */
export function describeProgress(p: PnrProgress): string {
  return `${p.phase}${p.detail ? ` (${p.detail})` : ''}`;
}

/** Place and route a flattened Yosys netlist; the report is produced even when timing fails. */
export async function runPnr(netlist: string, o: PnrOptions): Promise<{ result: Omit<PnrResult, 'wrapper'>; log: string }> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const seed = o.seed ?? 1;
  const limit = o.timeoutSeconds ?? DEFAULT_PNR_TIMEOUT_SECONDS;
  let log = '';
  let pending = '';
  const decoder = new TextDecoder();
  const progress: PnrProgress = { phase: 'starting', detail: '' };
  const utilisation: Record<string, { used: number; available: number }> = {};
  let utilisationSent = false;
  const emit = () => o.onStage?.(`nextpnr: ${describeProgress(progress)}, ${Math.floor(seconds())} s of ${limit} s`);
  const line = (l: string) => {
    const u = utilisationLine(l);
    if (u && !utilisationSent) utilisation[u[0]] = u[1];
    else if (!utilisationSent && Object.keys(utilisation).length > 0) {
      // The utilisation block after packing has ended.
      utilisationSent = true;
      o.onUtilisation?.({ ...utilisation });
    }
    const p = nextpnrProgress(l);
    if (!p) return;
    const changed = p.phase !== progress.phase;
    progress.phase = p.phase;
    if (changed || p.detail) progress.detail = p.detail;
    // A new phase is shown at once; iterations within a phase ride on the periodic line.
    if (changed) emit();
  };
  const sink = (b: Uint8Array | null) => {
    if (!b) return;
    const chunk = decoder.decode(b, { stream: true });
    log += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const l of lines) line(l);
  };
  // router2: router1 can thrash for an hour on a congested iCE40 (thousands of arcs ripped up and
  // rerouted without progress); router2 negotiates congestion and finishes in seconds here.
  // --tmg-ripup (opt-in): router2 also rips up and reroutes timing-critical arcs that took a
  // detour around congestion. On the pipeline: max units of bench/qor.ts it raised Fmax by 3–10 %
  // for the same placement seed; on a design far from its constraint it can route for ten
  // minutes and more instead of one (docs/synthesis.md).
  const args = [o.flag, '--package', o.package, '--json', 'netlist.json', '--report', 'report.json', '--freq', String(o.freqMhz), '--timing-allow-fail', '--pcf-allow-unconstrained', '--router', 'router2', ...(o.timingRipup ? ['--tmg-ripup'] : []), '--seed', String(seed)];
  type Outcome = { type: 'done'; report: string | null } | { type: 'error'; message: string } | { type: 'timeout' } | { type: 'interrupted' };
  const outcome = await new Promise<Outcome>((resolve) => {
    if (o.signal?.aborted) return resolve({ type: 'interrupted' });
    const worker = new Worker(new URL('./nextpnr-worker.mjs', import.meta.url), { workerData: { args, netlist } });
    let settled = false;
    const finish = (r: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      o.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(() => finish({ type: 'timeout' }), limit * 1000);
    const heartbeat = setInterval(emit, (o.progressIntervalSeconds ?? DEFAULT_PNR_PROGRESS_SECONDS) * 1000);
    const onAbort = () => finish({ type: 'interrupted' });
    o.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: { type: 'output'; chunk: Uint8Array } | { type: 'done'; report: string | null } | { type: 'error'; message: string }) => {
      if (settled) return; // output still in flight from a worker being stopped
      if (m.type === 'output') return sink(m.chunk);
      finish(m);
    });
    worker.on('error', (err) => finish({ type: 'error', message: err.message }));
    worker.on('exit', (code) => finish({ type: 'error', message: `the nextpnr worker exited with code ${code}` }));
  });
  const where = describeProgress(progress);
  if (outcome.type === 'timeout') {
    throw new PnrStopped('timeout', `nextpnr-ice40 did not finish within ${limit} s.`, {
      expected: `place-and-route to finish within the time limit (--pnr-timeout ${limit})`,
      found: `stopped after ${limit} s while ${where}; try a longer --pnr-timeout, another --seed, a smaller design, or --no-pnr`,
    }, log, { ...progress }, seconds());
  }
  if (outcome.type === 'interrupted') {
    throw new PnrStopped('interrupted', `Place-and-route was interrupted after ${seconds().toFixed(0)} s.`, { found: `stopped while ${where}` }, log, { ...progress }, seconds());
  }
  if (outcome.type === 'error') {
    const tail = log.split('\n').filter((l) => /ERROR|error/.test(l)).slice(-5).join('\n');
    throw new PnrStopped('error', 'nextpnr-ice40 could not place and route the design.', { expected: 'a design that fits the device', found: tail || outcome.message }, log, { ...progress }, seconds());
  }
  const text = outcome.report ?? undefined;
  if (text === undefined) throw new PnrStopped('error', 'nextpnr-ice40 wrote no report.', { expected: 'report.json', found: log.split('\n').slice(-5).join('\n') }, log, { ...progress }, seconds());
  const parsed = parseNextpnrReport(text);
  return {
    result: {
      device: o.flag.slice(2),
      constraintMhz: o.freqMhz,
      ...parsed,
      met: parsed.fmaxMhz >= o.freqMhz,
      seconds: seconds(),
      seed,
      timingRipup: o.timingRipup === true,
    },
    log,
  };
}
