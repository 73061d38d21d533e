/**
 * NumPy object arrays (`.npy` files whose header says `'descr': '|O'`) read in TypeScript, without
 * Python. `numpy.save` writes such an array as the .npy header followed by a **pickle** of the whole
 * array (numpy/lib/format.py `write_array`: `pickle.dump(array, fp, protocol=...)`); halutmatmul's
 * learner output (`HalutMatmul.to_numpy()`, an `np.array([...], dtype=object)` of eight float32
 * arrays) is stored this way.
 *
 * An ndarray pickles (ndarray `__reduce__`) as
 *
 *   numpy._core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')        (numpy ≥ 2)
 *   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')         (numpy < 2)
 *   BUILD with the state (version, shape, dtype, is_fortran, data)        (version 1; older: no version)
 *
 * where `dtype` is `numpy.dtype(name, align, copy)` (`name` such as 'f4', 'i8', 'u1', 'O8') BUILT with
 * the state (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]), and
 * `data` is the raw bytes (in Fortran order when `is_fortran`) or, for an object array, a list of the
 * elements in C order. The pickle is decoded with the `pickleparser` package; the only globals
 * resolved are the three above (under both module names), every other global stays an inert
 * placeholder object and is refused, so reading a file never runs code from it.
 */
import { getFloat16 } from '@petamoriken/float16';
import pickleparser from 'pickleparser';
import { LutnnError } from '../errors.ts';
import { readInputFile } from '../util/read-input.ts';

/** The typed array holding a numeric array's values (C order), by dtype: see `NumpyNumericArray.data`. */
export type NumpyTypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export interface NumpyNumericArray {
  kind: 'numeric';
  /** Normalized dtype string: '<f4', '>f8', '<i4', '<i8', '|u1', '|b1', … */
  descr: string;
  shape: number[];
  /**
   * Values in row-major (C) order, whatever the stored order: f4 → Float32Array, f8 → Float64Array,
   * f2 → Float32Array (exact), i1/i2/i4 → Int8/16/32Array, u1/u2/u4 → Uint8/16/32Array, b1 → Uint8Array,
   * i8/u8 → Float64Array (values beyond 2^53 in magnitude are refused).
   */
  data: NumpyTypedArray;
}

export interface NumpyObjectArray {
  kind: 'object';
  descr: '|O';
  shape: number[];
  /** Elements in row-major (C) order. */
  items: NumpyItem[];
}

/** What an object array's element may be: a nested array or a plain Python scalar. */
export type NumpyItem = NumpyNumericArray | NumpyObjectArray | number | string | boolean | null;

export interface NpyHeader {
  /** Format version, e.g. '1.0'. */
  version: string;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the payload (raw data or pickle). */
  dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
}

const hex = (bytes: Uint8Array, n: number) => Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');

/** The .npy header (format versions 1, 2, 3; numpy/lib/format.py). */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (!isNpy(bytes)) {
    throw new LutnnError('Not a NumPy .npy file.', { file, expected: 'a file starting with the .npy magic \\x93NUMPY', found: bytes.length === 0 ? 'an empty file' : `a file starting with bytes ${hex(bytes, 8)}` });
  }
  if (bytes.length < 10) throw new LutnnError('The .npy file is truncated.', { file, field: 'header', expected: 'a complete .npy header', found: `${bytes.length} bytes` });
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw new LutnnError('Unknown .npy format version.', { file, field: 'header', expected: 'format version 1.0, 2.0 or 3.0', found: `${major}.${minor}` });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) throw new LutnnError('The .npy file is truncated.', { file, field: 'header', expected: 'a complete .npy header', found: `${bytes.length} bytes` });
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenSize;
  if (start + headerLen > bytes.length) {
    throw new LutnnError('The .npy file is truncated.', { file, field: 'header', expected: `a header of ${headerLen} bytes`, found: `${bytes.length - start} bytes after the header length` });
  }
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const bad = (what: string) => new LutnnError('The .npy header cannot be read.', { file, field: `header ${what}`, expected: "a dict {'descr': <dtype string>, 'fortran_order': True|False, 'shape': (<ints>)}", found: JSON.stringify(text.trim().slice(0, 120)) });
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) throw bad('descr');
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw bad('fortran_order');
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shape) throw bad('shape');
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (!dims.every((d) => /^\d+L?$/.test(d))) throw bad('shape');
  return { version: `${major}.${minor}`, descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims.map((d) => Number.parseInt(d, 10)), dataOffset: start + headerLen };
}

export async function readNumpyObjectArray(file: string): Promise<NumpyObjectArray> {
  return parseNumpyObjectArray(new Uint8Array(await readInputFile(file, 'NumPy object array', 'a readable .npy file (numpy.save of a dtype=object array)')), file);
}

/**
 * A .npy object array: header descr '|O', pickled payload. Anything else (a numeric .npy, a pickle of
 * something other than an ndarray, a subclass, structured dtypes, unknown globals) is refused.
 */
export function parseNumpyObjectArray(bytes: Uint8Array, file: string): NumpyObjectArray {
  const header = parseNpyHeader(bytes, file);
  if (header.descr !== '|O' && header.descr !== 'O') {
    throw new LutnnError('The .npy file is not an object array.', { file, field: "header 'descr'", expected: "'|O' (an array of dtype=object, saved with allow_pickle)", found: `'${header.descr}', shape (${header.shape.join(', ')}) (a plain numeric array)` });
  }
  const value = unpickleNumpy(bytes.subarray(header.dataOffset), file);
  if (!isNumpyArray(value) || value.kind !== 'object') {
    throw new LutnnError('The pickle in the .npy file is not an object array.', { file, field: 'pickle', expected: 'a numpy.ndarray of dtype object', found: describeItem(value) });
  }
  if (!sameShape(value.shape, header.shape)) {
    throw new LutnnError('The pickled array does not match the .npy header.', { file, field: "header 'shape'", expected: `shape (${value.shape.join(', ')}) as pickled`, found: `shape (${header.shape.join(', ')}) in the header` });
  }
  return value;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function isNumpyArray(v: unknown): v is NumpyNumericArray | NumpyObjectArray {
  return typeof v === 'object' && v !== null && ((v as NumpyNumericArray).kind === 'numeric' || (v as NumpyObjectArray).kind === 'object');
}

/** Short description of what was found where an array was expected. */
export function describeItem(v: unknown): string {
  if (isNumpyArray(v)) return v.kind === 'object' ? `an object array of shape (${v.shape.join(', ')})` : `a ${v.descr} array of shape (${v.shape.join(', ')})`;
  if (v === null) return 'None';
  if (typeof v === 'object' || typeof v === 'function') {
    const p = (typeof v === 'function' ? (v as { prototype?: unknown }).prototype ?? {} : v) as { __module__?: string; __name__?: string };
    if (p.__module__ !== undefined) return `a Python object of class ${p.__module__}.${p.__name__}`;
    if (Array.isArray(v)) return `a list or tuple of ${v.length} items`;
    if (v instanceof Uint8Array) return `${v.length} raw bytes`;
    return 'a Python object';
  }
  return `the Python value ${JSON.stringify(v)}`;
}

/** `numpy.ndarray` as the pickle names it; `_reconstruct` accepts only this class (no subclasses). */
function ndarrayClass(): void {}

interface DtypeState {
  __numpyDtype: true;
  name: string;
  byteorder: string | undefined;
  structured: boolean;
  __setstate__(state: unknown): void;
}

interface PendingArray {
  __numpyArray: true;
  result?: NumpyNumericArray | NumpyObjectArray;
  __setstate__(state: unknown): void;
}

const MAX_ELEMENTS = 2 ** 31;

function unpickleNumpy(pickle: Uint8Array, file: string): unknown {
  const fail = (expected: string, found: string) => new LutnnError('The .npy object array cannot be decoded.', { file, field: 'pickle', expected, found });
  const registry = new pickleparser.NameRegistry();
  const reconstruct = (subtype: unknown, _shape: unknown, _typecode: unknown): PendingArray => {
    if (subtype !== ndarrayClass) throw fail('numpy.ndarray (no subclass such as numpy.matrix or a masked array)', describeItem(subtype));
    const pending: PendingArray = {
      __numpyArray: true,
      __setstate__(state: unknown) {
        pending.result = buildArray(state, file, fail);
      },
    };
    return pending;
  };
  const makeDtype = (name: unknown): DtypeState => {
    if (typeof name !== 'string') throw fail("a dtype name such as 'f4'", describeItem(name));
    const d: DtypeState = {
      __numpyDtype: true,
      name,
      byteorder: undefined,
      structured: false,
      __setstate__(state: unknown) {
        // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
        if (!Array.isArray(state) || state.length < 8 || typeof state[1] !== 'string') throw fail('a numpy.dtype state (version, byteorder, …)', describeItem(state));
        d.byteorder = state[1];
        d.structured = state[2] !== null || state[3] !== null || state[4] !== null;
      },
    };
    return d;
  };
  for (const mod of ['numpy._core.multiarray', 'numpy.core.multiarray']) registry.register(mod, '_reconstruct', reconstruct);
  registry.register('numpy', 'ndarray', ndarrayClass);
  registry.register('numpy', 'dtype', makeDtype);
  const parser = new pickleparser.Parser({ nameResolver: registry, unpicklingTypeOfDictionary: 'Map' });
  let root: unknown;
  try {
    root = parser.parse<unknown>(pickle);
  } catch (err) {
    if (err instanceof LutnnError) throw err;
    throw new LutnnError('The .npy object array could not be unpickled.', { file, field: 'pickle', expected: 'a complete pickle of a numpy object array', found: (err as Error).message });
  }
  return finish(root, fail, new WeakSet<object>(), 0);
}

/**
 * The decoded value with every ndarray replaced by its result; placeholders (unknown globals) refused.
 * `done` holds the results already finished (an array the pickle references twice through its memo).
 */
function finish(v: unknown, fail: (e: string, f: string) => LutnnError, done: WeakSet<object>, depth: number): NumpyItem {
  if (depth > 32) throw fail('object arrays nested at most 32 deep', 'deeper nesting (or an array containing itself)');
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(-Number.MAX_SAFE_INTEGER)) throw fail('integers of magnitude below 2^53', String(v));
    return Number(v);
  }
  if (typeof v === 'object' && done.has(v)) return v as NumpyNumericArray | NumpyObjectArray;
  const pending = v as PendingArray;
  if (typeof v === 'object' && pending.__numpyArray === true) {
    if (!pending.result) throw fail('an ndarray with its state (BUILD after _reconstruct)', 'an ndarray that was never filled');
    const r = pending.result;
    if (!done.has(r) && r.kind === 'object') r.items = r.items.map((x) => finish(x, fail, done, depth + 1));
    done.add(r);
    return r;
  }
  throw fail('numpy arrays and plain numbers only', describeItem(v));
}

function buildArray(state: unknown, file: string, fail: (e: string, f: string) => LutnnError): NumpyNumericArray | NumpyObjectArray {
  // Version 1: (1, shape, dtype, is_fortran, data); before versioning: (shape, dtype, is_fortran, data).
  if (!Array.isArray(state) || (state.length !== 5 && state.length !== 4)) throw fail('an ndarray state (version, shape, dtype, is_fortran, data)', describeItem(state));
  const [shapeRaw, dtype, fortranRaw, data] = state.length === 5 ? state.slice(1) : state;
  if (state.length === 5 && state[0] !== 1) throw fail('ndarray state version 1', String(state[0]));
  if (!Array.isArray(shapeRaw)) throw fail('a shape tuple', describeItem(shapeRaw));
  const shape = shapeRaw.map((d) => (typeof d === 'bigint' ? Number(d) : d));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw fail('a shape of non-negative integers', JSON.stringify(shapeRaw.map(String)));
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  if (count > MAX_ELEMENTS) throw fail(`at most ${MAX_ELEMENTS} elements`, `shape (${shape.join(', ')})`);
  const d = dtype as DtypeState;
  if (typeof d !== 'object' || d === null || d.__numpyDtype !== true) throw fail('a numpy.dtype', describeItem(dtype));
  if (d.structured) throw fail('a plain dtype (not structured, no subarray)', `a structured dtype '${d.name}'`);
  const fortran = fortranRaw === true || fortranRaw === 1;
  if (fortranRaw !== true && fortranRaw !== false && fortranRaw !== 0 && fortranRaw !== 1) throw fail('is_fortran True or False', describeItem(fortranRaw));
  if (/^O\d*$/.test(d.name)) {
    // Object arrays pickle their elements as a list in C order (numpy `_getlist_pkl` iterates the
    // array logically), whatever `is_fortran` says.
    if (!Array.isArray(data)) throw fail('the list of the object array elements', describeItem(data));
    if (data.length !== count) throw fail(`${count} elements for shape (${shape.join(', ')})`, `${data.length} elements`);
    return { kind: 'object', descr: '|O', shape, items: data as NumpyItem[] };
  }
  if (!(data instanceof Uint8Array)) throw fail(`the raw bytes of a '${d.name}' array`, describeItem(data));
  return decodeNumeric(d.name, d.byteorder ?? '=', shape, fortran, data, file, fail);
}

/** Raw array bytes (C order, or Fortran order when `fortran`) as a C-order typed array. */
function decodeNumeric(name: string, order: string, shape: number[], fortran: boolean, data: Uint8Array, file: string, fail: (e: string, f: string) => LutnnError): NumpyNumericArray {
  const info = DTYPES[name];
  if (!info) throw fail(`a numeric dtype (${Object.keys(DTYPES).join(', ')}) or O`, `dtype '${name}'`);
  if (!['<', '>', '=', '|'].includes(order)) throw fail("byte order '<', '>', '=' or '|'", `'${order}'`);
  const little = order !== '>';
  const descr = `${info.size === 1 ? '|' : little ? '<' : '>'}${name}`;
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count * info.size) throw fail(`${count * info.size} bytes for shape (${shape.join(', ')}) of ${descr}`, `${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = info.make(count);
  // Storage index of C-order element i: the identity, or the Fortran position.
  const fortranIndex = fortran && shape.length > 1 ? fortranPositions(shape) : undefined;
  for (let i = 0; i < count; i++) {
    const at = (fortranIndex ? fortranIndex[i] : i) * info.size;
    const x = info.read(view, at, little);
    if (info.wide && !Number.isSafeInteger(x)) throw new LutnnError('An int64 array holds a value beyond 2^53.', { file, expected: 'integers of magnitude below 2^53', found: `${x} at flat index ${i}` });
    out[i] = x;
  }
  return { kind: 'numeric', descr, shape, data: out };
}

/** For each C-order flat index, the Fortran-order flat index of the same element. */
function fortranPositions(shape: number[]): Uint32Array | Float64Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const out = count < 2 ** 32 ? new Uint32Array(count) : new Float64Array(count);
  const fstride = new Array<number>(shape.length);
  let s = 1;
  for (let d = 0; d < shape.length; d++) {
    fstride[d] = s;
    s *= shape[d];
  }
  const index = new Array<number>(shape.length).fill(0);
  let f = 0;
  for (let i = 0; i < count; i++) {
    out[i] = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      f += fstride[d];
      if (index[d] < shape[d]) break;
      f -= index[d] * fstride[d];
      index[d] = 0;
    }
  }
  return out;
}

interface DtypeInfo {
  size: number;
  /** 64-bit integers: read as float64, refused beyond 2^53. */
  wide?: boolean;
  make(n: number): NumpyTypedArray;
  read(v: DataView, o: number, le: boolean): number;
}

const DTYPES: Record<string, DtypeInfo> = {
  f2: { size: 2, make: (n) => new Float32Array(n), read: (v, o, le) => getFloat16(v, o, le) },
  f4: { size: 4, make: (n) => new Float32Array(n), read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, make: (n) => new Float64Array(n), read: (v, o, le) => v.getFloat64(o, le) },
  i1: { size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  i2: { size: 2, make: (n) => new Int16Array(n), read: (v, o, le) => v.getInt16(o, le) },
  i4: { size: 4, make: (n) => new Int32Array(n), read: (v, o, le) => v.getInt32(o, le) },
  i8: { size: 8, wide: true, make: (n) => new Float64Array(n), read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  u1: { size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  u2: { size: 2, make: (n) => new Uint16Array(n), read: (v, o, le) => v.getUint16(o, le) },
  u4: { size: 4, make: (n) => new Uint32Array(n), read: (v, o, le) => v.getUint32(o, le) },
  u8: { size: 8, wide: true, make: (n) => new Float64Array(n), read: (v, o, le) => Number(v.getBigUint64(o, le)) },
  b1: { size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
};
