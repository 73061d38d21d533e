/**
 * SRAM macros of an ASIC target (vendor/pdk/ihp-sg13g2/RM_IHPSG13_1P_*.lib): each macro's cell name,
 * words × bits and area from its Liberty file, and the cheapest tiling of a memory by one macro
 * type (rows of macros for the words, columns for the bits). `lutnn synth --target sg13g2` keeps
 * writable block-style tables (table_storage: ram) out of the standard-cell synthesis and adds the
 * area of their tiling (docs/synthesis.md, "SRAM macros"). A single-port macro serves the layer's
 * reads and the load port's writes because tables are written only while no vector is in flight.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../emit/render.ts';
import { LutnnError } from '../errors.ts';

export interface SramMacro {
  cell: string;
  words: number;
  bits: number;
  areaUm2: number;
  file: string;
}

export interface SramTiling {
  macro: string;
  /** Macros stacked for the words × side by side for the bits. */
  rows: number;
  cols: number;
  /** Area of one memory's tiling. */
  areaUm2: number;
}

const NAME = /^RM_IHPSG13_1P_(\d+)x(\d+)_.*\.lib$/;

/** The macros whose Liberty files are in `dir` (relative to the project). */
export async function loadSramMacros(dir: string): Promise<SramMacro[]> {
  const abs = join(PROJECT_ROOT, dir);
  const files = (await readdir(abs).catch(() => [] as string[])).filter((f) => NAME.test(f)).sort();
  const macros: SramMacro[] = [];
  for (const file of files) {
    const text = await readFile(join(abs, file), 'utf8');
    const cell = /^\s*cell\s*\(\s*"?([A-Za-z0-9_]+)"?\s*\)/m.exec(text)?.[1];
    const area = /^\s*area\s*:\s*([0-9.]+)\s*;/m.exec(text)?.[1];
    const [, words, bits] = NAME.exec(file)!;
    if (!cell || !area) throw new LutnnError('An SRAM macro library has no cell or area.', { file: join(abs, file), expected: 'a Liberty cell ( … ) with an area', found: `cell ${cell ?? 'none'}, area ${area ?? 'none'}` });
    macros.push({ cell, words: Number(words), bits: Number(bits), areaUm2: Number(area), file });
  }
  return macros;
}

/** The tiling of a `words` × `bits` memory with the least area (one macro type). */
export function tileSram(macros: SramMacro[], words: number, bits: number): SramTiling {
  let best: SramTiling | null = null;
  for (const m of macros) {
    const rows = Math.ceil(words / m.words);
    const cols = Math.ceil(bits / m.bits);
    const areaUm2 = rows * cols * m.areaUm2;
    if (!best || areaUm2 < best.areaUm2) best = { macro: m.cell, rows, cols, areaUm2 };
  }
  if (!best) throw new LutnnError('The ASIC target has no SRAM macros.', { expected: 'RM_IHPSG13_1P_*.lib in vendor/pdk/ihp-sg13g2/', found: 'none' });
  return best;
}
