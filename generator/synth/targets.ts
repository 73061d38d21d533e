/**
 * Synthesis targets: the Yosys flow for each device family and the resource totals of the device
 * the report measures utilisation against. Totals are the data-sheet numbers of one common part
 * per family (named in `device`); a design that does not fit still synthesises, the report then
 * shows more than 100 %.
 */
import { LutnnError } from '../errors.ts';

/** Resource classes the reports use, in display order. */
export const RESOURCES = ['LUT', 'FF', 'CARRY', 'BRAM', 'DSP'] as const;
export type Resource = (typeof RESOURCES)[number];
export type ResourceCounts = Record<Resource, number>;

export function zeroCounts(): ResourceCounts {
  return { LUT: 0, FF: 0, CARRY: 0, BRAM: 0, DSP: 0 };
}

export type TargetName = 'ice40-hx8k' | 'ice40-up5k' | 'ecp5' | 'xilinx-7' | 'gowin' | 'sg13g2';

/**
 * A standard-cell library for an ASIC target: Yosys maps flops with `dfflibmap -liberty`, logic with
 * `abc -liberty` at a delay target, and `stat -liberty` gives area per module (docs/synthesis.md).
 */
export interface LibertyLibrary {
  /** The library's name in reports. */
  name: string;
  /** The Liberty file, relative to the project root (vendor/pdk/…). */
  file: string;
  /** The gate equivalent: 1 GE is the area of this cell (a two-input NAND of drive 1). */
  nand2Cell: string;
  nand2AreaUm2: number;
  /** Sequential cells (flip-flops and latches) by name; every other cell of the library is logic. */
  sequential: RegExp;
  /** Folder (relative to the project root) of the SRAM macro libraries, for writable block-style tables (synth/sram.ts). */
  sramDir?: string;
}

export interface Target {
  name: TargetName;
  /** The part whose totals the report uses. */
  device: string;
  family: 'ice40' | 'ecp5' | 'xilinx' | 'gowin' | 'asic';
  /** Yosys synthesis command (run after reading the sources and choosing the top). */
  synthCommand: string;
  /**
   * When set, `synthCommand` runs only up to the script label `runUntil` (`-run :<label>`) and
   * `commands` finish the mapping in its place.
   */
  synthTail?: { runUntil: string; commands: string[] };
  /** What a resource class is called on this family (report headings). */
  labels: Record<Resource, string>;
  /** Resources available on `device`; CARRY has no separate total (it lives in LUT/LC sites) → 0. */
  available: ResourceCounts;
  /**
   * Weight of each cell type in each resource class: a cell's count times the weight is added.
   * Cell types not listed (buffers, wide muxes that live in the LUT sites) count for nothing.
   */
  cells: Record<string, Partial<ResourceCounts>>;
  /** Memories with `rom_style = "distributed"` become logic where the family has no LUT RAM. */
  hasLutRam: boolean;
  /**
   * The flow maps every multiplier (variable or by a non-trivial constant) to a DSP block, however
   * many the device has (Yosys does not budget DSPs; the report then shows more than 100 %).
   */
  dspMultipliers: boolean;
  /** nextpnr-ice40 device flag and package, when place-and-route is supported in-process. */
  pnr: { flag: '--hx8k' | '--up5k'; package: string } | null;
  /** ASIC targets: the standard-cell library (area in µm² and kGE instead of device utilisation). */
  liberty?: LibertyLibrary;
}

const ICE40_CELLS: Record<string, Partial<ResourceCounts>> = {
  SB_LUT4: { LUT: 1 },
  SB_CARRY: { CARRY: 1 },
  SB_RAM40_4K: { BRAM: 1 },
  SB_RAM40_4KNR: { BRAM: 1 },
  SB_RAM40_4KNW: { BRAM: 1 },
  SB_RAM40_4KNRNW: { BRAM: 1 },
  SB_MAC16: { DSP: 1 },
};
for (const ff of ['SB_DFF', 'SB_DFFE', 'SB_DFFSR', 'SB_DFFR', 'SB_DFFSS', 'SB_DFFS', 'SB_DFFESR', 'SB_DFFER', 'SB_DFFESS', 'SB_DFFES']) {
  ICE40_CELLS[ff] = { FF: 1 };
  ICE40_CELLS[`${ff}N`] = { FF: 1 };
}
for (const ff of ['SB_DFFN', 'SB_DFFNE', 'SB_DFFNSR', 'SB_DFFNR', 'SB_DFFNSS', 'SB_DFFNS', 'SB_DFFNESR', 'SB_DFFNER', 'SB_DFFNESS', 'SB_DFFNES']) ICE40_CELLS[ff] = { FF: 1 };

const ICE40_LABELS: Record<Resource, string> = { LUT: 'LC (LUT4)', FF: 'DFF', CARRY: 'SB_CARRY', BRAM: 'EBR (4 kbit)', DSP: 'SB_MAC16' };

const XILINX_CELLS: Record<string, Partial<ResourceCounts>> = {
  LUT1: { LUT: 1 }, LUT2: { LUT: 1 }, LUT3: { LUT: 1 }, LUT4: { LUT: 1 }, LUT5: { LUT: 1 }, LUT6: { LUT: 1 }, LUT6_2: { LUT: 1 },
  FDRE: { FF: 1 }, FDSE: { FF: 1 }, FDCE: { FF: 1 }, FDPE: { FF: 1 },
  CARRY4: { CARRY: 1 },
  // Block RAM in RAMB36 units.
  RAMB18E1: { BRAM: 0.5 }, RAMB36E1: { BRAM: 1 },
  DSP48E1: { DSP: 1 },
  // LUT RAM and shift registers occupy LUT sites.
  RAM32X1S: { LUT: 1 }, RAM64X1S: { LUT: 1 }, RAM128X1S: { LUT: 2 }, RAM256X1S: { LUT: 4 },
  RAM32X1D: { LUT: 2 }, RAM64X1D: { LUT: 2 }, RAM128X1D: { LUT: 4 },
  RAM32M: { LUT: 4 }, RAM64M: { LUT: 4 },
  SRL16E: { LUT: 1 }, SRLC32E: { LUT: 1 },
};

const ECP5_CELLS: Record<string, Partial<ResourceCounts>> = {
  LUT4: { LUT: 1 },
  TRELLIS_FF: { FF: 1 },
  // A CCU2C carry cell occupies the two LUT4s of a slice.
  CCU2C: { LUT: 2, CARRY: 1 },
  // 16×4 distributed RAM: one slice pair (four LUT4 sites).
  TRELLIS_DPR16X4: { LUT: 4 },
  DP16KD: { BRAM: 1 }, PDPW16KD: { BRAM: 1 },
  MULT18X18D: { DSP: 1 },
};

const GOWIN_CELLS: Record<string, Partial<ResourceCounts>> = {
  LUT1: { LUT: 1 }, LUT2: { LUT: 1 }, LUT3: { LUT: 1 }, LUT4: { LUT: 1 },
  ALU: { LUT: 1, CARRY: 1 },
  RAM16SDP1: { LUT: 4 }, RAM16SDP2: { LUT: 4 }, RAM16SDP4: { LUT: 4 },
  SP: { BRAM: 1 }, SPX9: { BRAM: 1 }, SDP: { BRAM: 1 }, SDPX9: { BRAM: 1 }, SDPB: { BRAM: 1 }, SDPX9B: { BRAM: 1 },
  DP: { BRAM: 1 }, DPX9: { BRAM: 1 }, DPB: { BRAM: 1 }, DPX9B: { BRAM: 1 }, pROM: { BRAM: 1 }, pROMX9: { BRAM: 1 },
  MULT18X18: { DSP: 1 }, MULT9X9: { DSP: 0.5 }, MULTALU18X18: { DSP: 1 }, MULTADDALU18X18: { DSP: 1 },
};
for (const ff of ['DFF', 'DFFE', 'DFFS', 'DFFSE', 'DFFR', 'DFFRE', 'DFFP', 'DFFPE', 'DFFC', 'DFFCE']) {
  GOWIN_CELLS[ff] = { FF: 1 };
  GOWIN_CELLS[`${ff.slice(0, 3)}N${ff.slice(3)}`] = { FF: 1 };
}

/** IHP SG13G2 (130 nm, open PDK), typical corner 1.2 V 25 °C: vendor/pdk/ihp-sg13g2/README.md. */
export const SG13G2: LibertyLibrary = {
  name: 'IHP SG13G2 sg13g2_stdcell_typ_1p20V_25C',
  file: 'vendor/pdk/ihp-sg13g2/sg13g2_stdcell_typ_1p20V_25C.lib',
  nand2Cell: 'sg13g2_nand2_1',
  nand2AreaUm2: 7.2576,
  // dfrbp/dfrbpq (reset flops), sdfrbp/sdfrbpq/sdfbbp (scan flops), dlhq/dlhr/dlhrq/dllr/dllrq (latches).
  sequential: /^sg13g2_(s?dfrbpq?|sdfbbp|dl[hl]r?q?)_\d+$/,
  sramDir: 'vendor/pdk/ihp-sg13g2',
};

/** What every target of a family shares: report labels, cell weights, LUT RAM. */
const FAMILIES: Record<Target['family'], Pick<Target, 'labels' | 'cells' | 'hasLutRam'>> = {
  ice40: { labels: ICE40_LABELS, cells: ICE40_CELLS, hasLutRam: false },
  ecp5: { labels: { LUT: 'LUT4', FF: 'FF', CARRY: 'CCU2C', BRAM: 'DP16KD (18 kbit)', DSP: 'MULT18X18D' }, cells: ECP5_CELLS, hasLutRam: true },
  xilinx: { labels: { LUT: 'LUT6', FF: 'FF', CARRY: 'CARRY4', BRAM: 'RAMB36', DSP: 'DSP48E1' }, cells: XILINX_CELLS, hasLutRam: true },
  gowin: { labels: { LUT: 'LUT4', FF: 'FF', CARRY: 'ALU', BRAM: 'BSRAM (18 kbit)', DSP: 'MULT18X18' }, cells: GOWIN_CELLS, hasLutRam: true },
  // Standard cells are classified by the library (classifyCells): logic cells count as LUT,
  // flip-flops and latches as FF; tables are logic or flops (no SRAM macro is inferred).
  asic: { labels: { LUT: 'logic cells', FF: 'flops/latches', CARRY: '-', BRAM: 'SRAM macros', DSP: '-' }, cells: {}, hasLutRam: false },
};

function target(t: Pick<Target, 'name' | 'device' | 'family' | 'synthCommand' | 'synthTail' | 'available' | 'dspMultipliers' | 'pnr' | 'liberty'>): Target {
  return { ...t, ...FAMILIES[t.family] };
}

export const TARGETS: Record<TargetName, Target> = {
  'ice40-hx8k': target({
    name: 'ice40-hx8k',
    device: 'iCE40HX8K-CT256',
    family: 'ice40',
    synthCommand: 'synth_ice40',
    available: { LUT: 7680, FF: 7680, CARRY: 0, BRAM: 32, DSP: 0 },
    dspMultipliers: false,
    pnr: { flag: '--hx8k', package: 'ct256' },
  }),
  'ice40-up5k': target({
    name: 'ice40-up5k',
    device: 'iCE40UP5K-SG48',
    family: 'ice40',
    synthCommand: 'synth_ice40 -dsp',
    available: { LUT: 5280, FF: 5280, CARRY: 0, BRAM: 30, DSP: 8 },
    dspMultipliers: true,
    pnr: { flag: '--up5k', package: 'sg48' },
  }),
  ecp5: target({
    name: 'ecp5',
    device: 'LFE5U-85F',
    family: 'ecp5',
    synthCommand: 'synth_ecp5',
    available: { LUT: 83640, FF: 83640, CARRY: 0, BRAM: 208, DSP: 156 },
    dspMultipliers: true,
    pnr: null,
  }),
  'xilinx-7': target({
    name: 'xilinx-7',
    device: 'XC7A35T',
    family: 'xilinx',
    synthCommand: 'synth_xilinx -family xc7',
    available: { LUT: 20800, FF: 41600, CARRY: 0, BRAM: 50, DSP: 90 },
    dspMultipliers: true,
    pnr: null,
  }),
  gowin: target({
    name: 'gowin',
    device: 'GW1NR-LV9',
    family: 'gowin',
    synthCommand: 'synth_gowin',
    // synth_gowin's map_cells step without its final `autoname`: renaming the hundreds of thousands
    // of nets of a multiplier-heavy layer (Gowin gets no DSP mapping from Yosys) exhausted the
    // 4 GB WebAssembly heap of YoWASP Yosys on the bundled example. Names are cosmetic; the
    // mapped cells are the same. The last command is the one of synth_gowin's check step that
    // changes the design (simulation whiteboxes become blackboxes).
    synthTail: {
      runUntil: 'map_cells',
      commands: ['techmap -map +/gowin/cells_map.v', 'opt_lut_ins -tech gowin', 'setundef -undriven -params -zero', 'hilomap -singleton -hicell VCC V -locell GND G', 'clean', 'blackbox =A:whitebox'],
    },
    available: { LUT: 8640, FF: 6480, CARRY: 0, BRAM: 26, DSP: 20 },
    dspMultipliers: false,
    pnr: null,
  }),
  sg13g2: target({
    name: 'sg13g2',
    device: 'IHP SG13G2 130 nm standard cells',
    family: 'asic',
    // Generic synthesis with the hierarchy kept; yosys.ts adds dfflibmap and abc with the library.
    synthCommand: 'synth',
    // No device: nothing to be full of (the report gives area instead of utilisation).
    available: { LUT: 0, FF: 0, CARRY: 0, BRAM: 0, DSP: 0 },
    dspMultipliers: false,
    pnr: null,
    liberty: SG13G2,
  }),
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export function getTarget(name: string): Target {
  if (!(name in TARGETS)) {
    throw new LutnnError('Unknown synthesis target.', { field: '--target', expected: `one of ${TARGET_NAMES.join(', ')}`, found: JSON.stringify(name) });
  }
  return TARGETS[name as TargetName];
}

/** Resource counts of a bag of cells (type → count) on a target; unknown types are listed apart. */
export function classifyCells(target: Target, cells: Record<string, number>): { counts: ResourceCounts; other: Record<string, number> } {
  const counts = zeroCounts();
  const other: Record<string, number> = {};
  for (const [type, n] of Object.entries(cells)) {
    const w = target.cells[type] ?? libertyCellClass(target, type);
    if (!w) {
      other[type] = (other[type] ?? 0) + n;
      continue;
    }
    for (const r of RESOURCES) counts[r] += (w[r] ?? 0) * n;
  }
  return { counts, other };
}

/** An ASIC library cell's resource class: a flip-flop or latch is FF, any other cell of the library LUT. */
function libertyCellClass(target: Target, type: string): Partial<ResourceCounts> | undefined {
  const lib = target.liberty;
  if (!lib || !type.startsWith(lib.nand2Cell.split('_')[0] + '_')) return undefined;
  return lib.sequential.test(type) ? { FF: 1 } : { LUT: 1 };
}
