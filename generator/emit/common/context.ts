/** Context helpers shared by the emitters of every layer kind (and of every encoder). */
import type { DesignPlan } from '../../plan/types.ts';
import { indexBits, unsignedBitsFor } from '../../numeric/fixed.ts';
import { headerContext } from '../header.ts';
import { lit, range } from '../verilog.ts';

export interface GeneratedFile {
  /** File name inside the design folder. */
  path: string;
  content: string | Buffer;
}

/** Header parameters listed in a file's DO-NOT-EDIT header (`key = value`, in this order). */
export type HeaderParams = Record<string, string | number>;

/** Context fields every template reads: header and reset style. */
export function baseContext(design: DesignPlan, module: string, purpose: string, params: HeaderParams) {
  return {
    name: module,
    asyncReset: design.reset === 'async',
    header: headerContext(design, module, purpose, params),
  };
}

/** Literals and range of a wrap-around counter over `count` values (0 … count−1). */
export function counterFields(prefix: string, count: number): Record<string, string> {
  const w = indexBits(count);
  return {
    [`${prefix}Range`]: range(w),
    [`${prefix}ZeroLit`]: lit(0, w),
    [`${prefix}OneLit`]: lit(1, w),
    [`${prefix}LastLit`]: lit(count - 1, w),
    /** The value before the last (a flag "at the last value" loaded a cycle ahead compares with it). */
    [`${prefix}BeforeLastLit`]: lit(Math.max(count - 2, 0), w),
  };
}

/** Width of a counter that holds 0 … max inclusive. */
export function countWidth(max: number): number {
  return unsignedBitsFor(max);
}
