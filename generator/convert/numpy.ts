/** .npy and .npz reading (npyjs for the array format, fflate for the zip container). */
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { parse as parseNpy } from 'npyjs';
import { LutnnError } from '../errors.ts';

export interface NumericArray {
  shape: number[];
  /** Values as float64 (exact for every integer and float dtype up to 32 bits). */
  data: Float64Array;
  dtype: string;
}

function toArray(buf: Uint8Array, file: string, entry?: string): NumericArray {
  let arr;
  try {
    arr = parseNpy(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new LutnnError('Not a valid .npy array.', { file, field: entry, expected: 'a NumPy .npy array', found: (err as Error).message });
  }
  if (arr.fortranOrder) {
    throw new LutnnError('Fortran-ordered arrays are not supported.', { file, field: entry, expected: 'C order (numpy.ascontiguousarray)', found: 'fortran_order: True' });
  }
  const src = arr.data as unknown as ArrayLike<number | bigint>;
  const data = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  return { shape: arr.shape, data, dtype: arr.dtype };
}

async function readBytes(file: string, what: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    throw new LutnnError(`Cannot read the ${what}.`, { file, expected: 'a readable file', found: (err as NodeJS.ErrnoException).code ?? String(err) });
  }
}

export async function readNpy(file: string, what = 'array file'): Promise<NumericArray> {
  return toArray(await readBytes(file, what), file);
}

/** Every array of an .npz archive, keyed by name without the `.npy` suffix. */
export async function readNpz(file: string, what = 'npz archive'): Promise<Map<string, NumericArray>> {
  const bytes = await readBytes(file, what);
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new LutnnError('Not a valid .npz (zip) archive.', { file, expected: 'numpy.savez output', found: (err as Error).message });
  }
  const out = new Map<string, NumericArray>();
  for (const name of Object.keys(entries).sort()) {
    if (!name.endsWith('.npy')) continue;
    out.set(name.slice(0, -4), toArray(entries[name], file, name));
  }
  return out;
}
