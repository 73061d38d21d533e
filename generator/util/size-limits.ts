/**
 * Size limits on what lutnn computes and writes, so that a typo in a dimension (M = 10^6,
 * C = 2·10^5) is a clear refusal with the estimated size instead of gigabytes of memory and
 * hundreds of thousands of files. Each limit can be lifted with `--force`. Documented in
 * docs/hw-config.md ("Size limits").
 */
import { LutnnError } from '../errors.ts';

export const SIZE_LIMITS = {
  /** Quantized table entries (C·K·M summed over layers) a plan may hold: 2^25, about 1 GB of working memory. */
  tableEntries: 2 ** 25,
  /** Files in one output folder. */
  outputFiles: 2000,
  /** Bytes in one output folder (RTL, memory files, artifact). */
  outputBytes: 512 * 2 ** 20,
  /** Working memory of a conversion (calibration activations of the widest layer, several copies). */
  workingBytes: 2 * 2 ** 30,
} as const;

export function formatBytes(bytes: number): string {
  if (bytes < 2 ** 20) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  if (bytes < 2 ** 30) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
}

/** Refuses (unless forced) when a measured or estimated quantity is past its limit. */
export function checkLimit(what: string, value: number, limit: number, opts: { force?: boolean; file?: string; field?: string; unit: (n: number) => string; advice: string }): void {
  if (value <= limit || opts.force) return;
  throw new LutnnError(`${what} is past lutnn's size limit.`, {
    file: opts.file,
    field: opts.field,
    expected: `at most ${opts.unit(limit)} (docs/hw-config.md, "Size limits"); ${opts.advice}, or pass --force`,
    found: opts.unit(value),
  });
}

export const count = (n: number) => n.toLocaleString('en-US');
