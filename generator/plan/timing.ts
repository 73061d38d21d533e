/**
 * Cycle-exact timing of a lut_linear layer, derived from the micro-architecture in
 * docs/architecture.md. The Verilator regression measures latency and initiation interval and
 * requires them to equal these numbers.
 *
 * Schedule of a vector accepted in cycle a (cycle = clock period after the accepting edge):
 *   encoder issues codebook groups in cycles a+1 … a+E;
 *   the encoder unit (CCS: L_ccs) returns each group's indices L_enc cycles later (its plan's
 *   `latency`), the last index lands in cycle a+E+L_enc;
 *   the accumulator sees the full index bank in cycle a+E+L_enc+1 and starts issuing table reads
 *   in cycle a+E+L_enc+2, one (group g, step e) per cycle for E·G cycles;
 *   a read in cycle t is in the ROM register at t+1, in the accumulator at t+2, through the
 *   requantizer (REQUANT_LATENCY) at t+4, and in the output FIFO (out_valid) at t+5.
 * With `pipeline: max` the requantizer takes requantLatency ≥ 2 cycles and everything after it moves.
 */

export const REQUANT_LATENCY = 2;
/** Cycles from a table read being issued to the result being visible at out_valid. */
export const READ_TO_OUTPUT = 3 + REQUANT_LATENCY;

export interface LayerTiming {
  /** Cycles from the input handshake to out_valid for a vector entering an idle layer. */
  latency: number;
  /** Cycles between consecutive vectors in steady state (no input gaps, no back-pressure). */
  initiationInterval: number;
  /** Index buffer banks needed so the encoder never starves the accumulator. */
  indexBanks: number;
  /** Output FIFO depth (whole vectors) needed so the accumulator never waits for credit. */
  outFifoDepth: number;
  /** Requantizer pipeline depth. */
  requantLatency: number;
  /** pipeline: max — registered levels of the accumulator's table-sum adder tree (absent: 0). */
  sumStages?: number;
  /** pipeline: max — the output FIFO registers its push and per-slot write enables first (absent: 0). */
  outFifoInputStages?: number;
  /** Cycles the testbench waits for an output while vectors are outstanding before failing. */
  watchdogCycles: number;
}

export function planTiming(encodeSteps: number, outputGroups: number, encoderLatency: number, requantLatency = REQUANT_LATENCY, sumStages = 0, outFifoInputStages = 0): LayerTiming {
  const readToOutput = 3 + sumStages + requantLatency + outFifoInputStages;
  const E = encodeSteps;
  const ii = E * outputGroups;
  // Cycles from the encoder accepting a vector to the accumulator's first read of it.
  const acceptToFirstRead = E + encoderLatency + 2;
  const latency = acceptToFirstRead + ii - 1 + readToOutput;
  // A bank is reserved at accept and released after the last read; in steady state a vector is
  // accepted acceptToFirstRead cycles before its first read, so (banks − 1)·II ≥ that distance.
  const indexBanks = Math.max(2, 1 + Math.ceil(acceptToFirstRead / ii));
  // The accumulator starts a vector only with an output-FIFO credit; credits return one cycle
  // after the pop and are checked one cycle before the start (both registered).
  const outFifoDepth = Math.max(2, 1 + Math.ceil((readToOutput + 1) / ii));
  const watchdogCycles = latency + ii * (indexBanks + outFifoDepth) + 16;
  const timing: LayerTiming = { latency, initiationInterval: ii, indexBanks, outFifoDepth, requantLatency, watchdogCycles };
  if (sumStages > 0) timing.sumStages = sumStages;
  if (outFifoInputStages > 0) timing.outFifoInputStages = outFifoInputStages;
  return timing;
}

/** Register stages of a reduction tree over n leaves (at least one: its output register). */
export function treeStages(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(Math.max(1, n))));
}

/** Set bits of a non-negative integer (the requantizer multiplier's adder-tree terms). */
export function popcount(n: number): number {
  let c = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) c += x % 2;
  return c;
}

/**
 * Timing of a lut_linear layer whose output is a stream of beats straight from its groups
 * (`beatOutput` in the plan, io: stream with P_m a multiple of elements_per_beat): each group's
 * result is pushed into the beat FIFO's group register in cycle p = r + 2 + S + L_rq after its last
 * table read r, written to the FIFO's memory a beat per cycle from p+1, read into the output
 * register from p+2, and the first beat is valid in p+3. Latency is to the first beat of group 0:
 * E + L_enc + 2 (first read) + E − 1 (its last) + 2 + S + L_rq + 3. II = E·G as before.
 */
export function planBeatOutTiming(encodeSteps: number, outputGroups: number, encoderLatency: number, requantLatency: number, sumStages: number, beatsPerGroup: number): LayerTiming {
  const E = encodeSteps;
  const ii = E * outputGroups;
  const acceptToFirstRead = E + encoderLatency + 2;
  const readToPush = 2 + sumStages + requantLatency;
  const latency = acceptToFirstRead + (E - 1) + readToPush + 3;
  const indexBanks = Math.max(2, 1 + Math.ceil(acceptToFirstRead / ii));
  // A credit is held from a vector's start to the pop of its last beat, a group's beats and the
  // FIFO's write and read registers after the last read.
  const outFifoDepth = Math.max(2, 1 + Math.ceil((readToPush + 4 + beatsPerGroup) / ii));
  const watchdogCycles = latency + ii * (indexBanks + outFifoDepth) + 16;
  const timing: LayerTiming = { latency, initiationInterval: ii, indexBanks, outFifoDepth, requantLatency, watchdogCycles };
  if (sumStages > 0) timing.sumStages = sumStages;
  return timing;
}
