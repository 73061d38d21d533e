/** Memory files ($readmemh) and ROM modules, shared by every layer kind (templates/rom.v.hbs). */
import type { DesignPlan } from '../../plan/types.ts';
import { headerLines } from '../header.ts';
import { renderTemplate } from '../render.ts';
import { range } from '../verilog.ts';
import { baseContext, type GeneratedFile, type HeaderParams } from './context.ts';

/** Declared ROM depth: at least 2 words so a 1-bit address indexes it exactly. */
export function romWords(depth: number): number {
  return Math.max(2, depth);
}

/** A memory file: the header as comments, then `words` padded with zero words to `declaredWords`. */
export function memFile(design: DesignPlan, path: string, what: string, words: string[], declaredWords: number, width: number): GeneratedFile {
  const zero = '0'.repeat(Math.ceil(width / 4));
  const lines = words.slice();
  while (lines.length < declaredWords) lines.push(zero);
  const comment = headerLines(design, what, '//');
  return { path, content: `${comment}\n${lines.join('\n')}\n` };
}

export interface RomSpec {
  module: string;
  style: 'block' | 'distributed';
  width: number;
  depth: number;
  addressWidth: number;
  /** Default MEM_FILE. */
  file: string;
  /** What the ROM holds, for the file header. */
  purpose: string;
}

/** A ROM module with a synchronous read port (templates/rom.v.hbs), or with `writable` a RAM with a write port as well (templates/ram.v.hbs). */
export function romModule(design: DesignPlan, r: RomSpec, params: HeaderParams, writable = false): GeneratedFile {
  const ctx = {
    ...baseContext(design, r.module, r.purpose, { ...params, 'width x depth': `${r.width} x ${r.depth}`, style: r.style }),
    style: r.style,
    defaultFile: r.file,
    addrRange: range(r.addressWidth),
    dataRange: range(r.width),
    lastWord: romWords(r.depth) - 1,
  };
  return { path: `${r.module}.v`, content: renderTemplate(writable ? 'ram.v.hbs' : 'rom.v.hbs', ctx) };
}
