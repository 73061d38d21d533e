/** .npy and .npz reading (npyjs for the array format, fflate for the zip container). */
import { readInputFile } from '../util/read-input.ts';
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
  const src = arr.data as unknown as ArrayLike<number | bigint>;
  const data = new Float64Array(src.length);
  if (arr.fortranOrder && arr.shape.length > 1) {
    // Column-major in the file (np.save of a transposed or Fortran array): reorder to row-major.
    const shape = arr.shape;
    const index = new Array<number>(shape.length).fill(0);
    for (let i = 0; i < src.length; i++) {
      // i walks row-major; its column-major position is Σ index[d]·Π_{e<d} shape[e].
      let f = 0;
      for (let d = shape.length - 1; d >= 0; d--) f = f * shape[d] + index[d];
      data[i] = Number(src[f]);
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
  } else {
    for (let i = 0; i < src.length; i++) data[i] = Number(src[i]);
  }
  return { shape: arr.shape, data, dtype: arr.dtype };
}

async function readBytes(file: string, what: string): Promise<Uint8Array> {
  return new Uint8Array(await readInputFile(file, what, 'a readable file'));
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

/**
 * The rows of an (N, width) array of finite numbers (a 1-D array of `width` values is one row),
 * refused with the file, what was expected and the first bad value otherwise. `what` names the
 * array in messages, as a singular noun ("calibration data", "input array"); `columns` says what a row holds.
 */
export function finiteRows(a: NumericArray, width: number, where: { file: string; field?: string; what: string; columns: string; allowVector?: boolean }): number {
  const ok = (a.shape.length === 2 && a.shape[1] === width) || (where.allowVector === true && a.shape.length === 1 && a.shape[0] === width);
  const What = where.what[0].toUpperCase() + where.what.slice(1);
  if (!ok) throw new LutnnError(`${What} has the wrong shape.`, { file: where.file, field: where.field, expected: `shape (N, ${width}): rows of ${where.columns}`, found: `shape (${a.shape.join(', ')})` });
  const rows = a.shape.length === 2 ? a.shape[0] : 1;
  if (rows === 0) throw new LutnnError(`${What} holds no rows.`, { file: where.file, field: where.field, expected: 'at least one row', found: `shape (${a.shape.join(', ')})` });
  for (let i = 0; i < a.data.length; i++) {
    if (Number.isFinite(a.data[i])) continue;
    throw new LutnnError(`${What} holds a non-finite value.`, { file: where.file, field: where.field, expected: 'finite numbers only (no NaN or Infinity)', found: `${a.data[i]} in row ${Math.floor(i / width)}, column ${i % width}` });
  }
  return rows;
}

/**
 * Images as PyTorch holds them, (N, C, H, W) or (N, H, W) for one channel, as the frames the
 * hardware streams: (N, H·W·C), pixels in raster order, channels last. Other shapes are returned
 * as they are (2-D rows are taken to be frames already; finiteRows checks them).
 */
export function imagesAsFrames(a: NumericArray, g: { height: number; width: number; inChannels: number }): NumericArray {
  const { height: H, width: W, inChannels: C } = g;
  const [N] = a.shape;
  if (a.shape.length === 3 && C === 1 && a.shape[1] === H && a.shape[2] === W) return { ...a, shape: [N, H * W] };
  if (a.shape.length !== 4 || a.shape[1] !== C || a.shape[2] !== H || a.shape[3] !== W) return a;
  const data = new Float64Array(a.data.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) data[(n * H * W + p) * C + c] = a.data[(n * C + c) * H * W + p];
  return { ...a, shape: [N, H * W * C], data };
}
