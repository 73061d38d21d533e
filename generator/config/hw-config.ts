/**
 * Hardware configuration (hw.yaml): how a layer is unrolled and pipelined. Everything here is a
 * choice of implementation; none of it changes the numbers the hardware computes.
 * Documented in docs/hw-config.md.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { LutnnError } from '../errors.ts';
import { strictObject, zodIssuesToError } from '../util/zod-errors.ts';

export type MemoryStyle = 'auto' | 'block' | 'distributed';
export type ResetStyle = 'sync' | 'async';

/** Knobs that can be set globally and overridden per layer. */
const layerKnobs = {
  /** Codebooks encoded (and looked up) per cycle, P_c. Default: all C codebooks. */
  codebooks_per_cycle: z.number().int().min(1).max(4096).optional(),
  /** Output features accumulated per cycle, P_m. Default: all M outputs. */
  outputs_per_cycle: z.number().int().min(1).max(65536).optional(),
  /** Argmin comparator-tree levels between pipeline registers. */
  tree_levels_per_stage: z.number().int().min(1).max(16).optional(),
  /** lut_linear pipelining: `max` = one adder or comparator between registers (distance and requantizer adder trees, argmin registered after every level). */
  pipeline: z.enum(['standard', 'max']).optional(),
  /** Table memory implementation; `auto` picks block RAM for banks of at least 4 Kibit. */
  memory_style: z.enum(['auto', 'block', 'distributed']).optional(),
  /** lut_linear: lookup tables (and bias) in ROM, or in RAM written at run time through the design's table load port. */
  table_storage: z.enum(['rom', 'ram']).optional(),
  /** Precision (bits) of the requantization multiplier. */
  multiplier_bits: z.number().int().min(2).max(31).optional(),
  /** nnlut units: elements evaluated per cycle (lanes), L. Default: all elements of a vector. */
  lanes_per_cycle: z.number().int().min(1).max(65536).optional(),
  /** nnlut units: register stages in a lane's datapath (1 … 4). */
  pipeline_stages: z.number().int().min(1).max(4).optional(),
  /** Ports of a layer: `parallel` (a whole vector per handshake) or `stream` (elements_per_beat elements per handshake). */
  io: z.enum(['parallel', 'stream']).optional(),
  /** io: stream — elements per beat (handshake), on the input and on the output; default: a 64-bit bus of byte lanes. */
  elements_per_beat: z.number().int().min(1).max(65536).optional(),
  /** io: stream — where the input beats are assembled: `registers` (a vector of flops), `block` (banked block RAM the core reads a word per step from), `auto` (block from AUTO_BLOCK_BITS on, when the layout allows). */
  input_buffer: z.enum(['auto', 'registers', 'block']).optional(),
  /** lut_linear: storage of the index buffer between encoder and accumulator: `registers` (shifting banks), `block` (one block RAM read a step ahead), `auto` (block from AUTO_BLOCK_DEPTH words on). */
  index_buffer: z.enum(['auto', 'registers', 'block']).optional(),
};

const layerOverrideSchema = strictObject(layerKnobs);

export const hwConfigSchema = strictObject({
  ...layerKnobs,
  /** Reset of the control registers: synchronous or asynchronous, always active-low `rst_ni`. */
  reset: z.enum(['sync', 'async']).optional(),
  /** The design's top as AXI4-Stream (s_axis_* in, m_axis_* out, tlast per vector, byte-aligned lanes). */
  axi_stream: z.boolean().optional(),
  /** Per-layer overrides keyed by layer name. */
  layers: z.record(z.string(), layerOverrideSchema).optional(),
});

export type HwConfigFile = z.infer<typeof hwConfigSchema>;

/** The resolved knobs for one layer; a value of 0 means "all" for the parallelism knobs. */
export interface LayerHwConfig {
  codebooksPerCycle: number | 'all';
  outputsPerCycle: number | 'all';
  treeLevelsPerStage: number;
  /** lut_linear: `max` puts one adder (or comparator) between registers in the encoder (CCS), the table sums and the requantizers. */
  pipeline: 'standard' | 'max';
  memoryStyle: MemoryStyle;
  /** lut_linear: `ram` makes the tables and bias writable through the load port (docs/hw-config.md). */
  tableStorage: 'rom' | 'ram';
  multiplierBits: number;
  /** nnlut: lanes per cycle. */
  lanesPerCycle: number | 'all';
  /** nnlut: datapath register stages. */
  pipelineStages: number;
  /** Port style of the layer (plan/stream.ts). */
  io: 'parallel' | 'stream';
  /** io: stream — elements per beat; `auto`: as many byte lanes as fit 64 bits (docs/hw-config.md). */
  elementsPerBeat: number | 'auto';
  /** io: stream — storage of the input buffer (plan/stream.ts planInputBuffer; docs/hw-config.md "Ports"). */
  inputBuffer: 'auto' | 'registers' | 'block';
  /** lut_linear: storage of the index buffer (plan/lut-linear.ts planIndexBuffer; docs/hw-config.md). */
  indexBuffer: 'auto' | 'registers' | 'block';
}

export interface HwConfig {
  /** Where the config came from (file path, or `defaults`). */
  source: string;
  reset: ResetStyle;
  /** The design's top ports as AXI4-Stream. */
  axiStream: boolean;
  defaults: LayerHwConfig;
  overrides: Record<string, Partial<LayerHwConfig>>;
}

export const DEFAULT_LAYER_CONFIG: LayerHwConfig = {
  codebooksPerCycle: 'all',
  outputsPerCycle: 'all',
  treeLevelsPerStage: 2,
  pipeline: 'standard',
  memoryStyle: 'auto',
  tableStorage: 'rom',
  multiplierBits: 16,
  lanesPerCycle: 'all',
  pipelineStages: 2,
  io: 'parallel',
  elementsPerBeat: 'auto',
  inputBuffer: 'auto',
  indexBuffer: 'auto',
};

function toLayerConfig(knobs: z.infer<typeof layerOverrideSchema>): Partial<LayerHwConfig> {
  const out: Partial<LayerHwConfig> = {};
  if (knobs.codebooks_per_cycle !== undefined) out.codebooksPerCycle = knobs.codebooks_per_cycle;
  if (knobs.outputs_per_cycle !== undefined) out.outputsPerCycle = knobs.outputs_per_cycle;
  if (knobs.tree_levels_per_stage !== undefined) out.treeLevelsPerStage = knobs.tree_levels_per_stage;
  if (knobs.pipeline !== undefined) out.pipeline = knobs.pipeline;
  if (knobs.memory_style !== undefined) out.memoryStyle = knobs.memory_style;
  if (knobs.multiplier_bits !== undefined) out.multiplierBits = knobs.multiplier_bits;
  if (knobs.table_storage !== undefined) out.tableStorage = knobs.table_storage;
  if (knobs.lanes_per_cycle !== undefined) out.lanesPerCycle = knobs.lanes_per_cycle;
  if (knobs.pipeline_stages !== undefined) out.pipelineStages = knobs.pipeline_stages;
  if (knobs.io !== undefined) out.io = knobs.io;
  if (knobs.elements_per_beat !== undefined) out.elementsPerBeat = knobs.elements_per_beat;
  if (knobs.input_buffer !== undefined) out.inputBuffer = knobs.input_buffer;
  if (knobs.index_buffer !== undefined) out.indexBuffer = knobs.index_buffer;
  return out;
}

/** Validate an already-parsed config object. `source` names the file in error messages. */
export function parseHwConfig(raw: unknown, source: string): HwConfig {
  const parsed = hwConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw zodIssuesToError(parsed.error.issues, raw, source, 'hardware config');
  const cfg = parsed.data;
  const overrides: Record<string, Partial<LayerHwConfig>> = {};
  for (const [name, knobs] of Object.entries(cfg.layers ?? {})) overrides[name] = toLayerConfig(knobs);
  return {
    source,
    reset: cfg.reset ?? 'sync',
    axiStream: cfg.axi_stream ?? false,
    defaults: { ...DEFAULT_LAYER_CONFIG, ...toLayerConfig(cfg) },
    overrides,
  };
}

/** Read and validate hw.yaml (YAML or JSON). Without a path, every knob takes its default. */
export async function loadHwConfig(path: string | undefined): Promise<HwConfig> {
  if (path === undefined) return parseHwConfig({}, 'defaults');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LutnnError('Cannot read the hardware config.', {
      file: path,
      expected: 'a readable YAML file',
      found: (err as NodeJS.ErrnoException).code ?? String(err),
    });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new LutnnError('The hardware config is not valid YAML.', {
      file: path,
      expected: 'YAML',
      found: `a syntax error${where}: ${(err as Error).message.split('\n')[0]}`,
    });
  }
  return parseHwConfig(raw, path);
}

/** The knobs in force for one layer: defaults, then that layer's overrides. */
export function layerConfig(cfg: HwConfig, layerName: string): LayerHwConfig {
  return { ...cfg.defaults, ...(cfg.overrides[layerName] ?? {}) };
}

/** Layer names in the config that the artifact does not have (reported as an error by the planner). */
export function unknownOverrideNames(cfg: HwConfig, layerNames: string[]): string[] {
  return Object.keys(cfg.overrides).filter((n) => !layerNames.includes(n));
}
