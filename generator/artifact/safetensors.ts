/**
 * Reader and writer for the safetensors container (https://github.com/huggingface/safetensors):
 *
 *   [u64 little-endian N][N bytes of UTF-8 JSON header][data buffer]
 *
 * The header maps tensor names to `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to
 * the start of the data buffer) plus an optional `__metadata__` string-to-string map. Only the
 * dtypes the artifact format needs are supported. The reader trusts nothing in the file: every
 * inconsistency becomes a LutnnError naming the file and the tensor, because a silently misread
 * table would turn into silently wrong hardware.
 */
import { writeFile } from 'node:fs/promises';
import { readInputFile } from '../util/read-input.ts';
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import { LutnnError, describeValue } from '../errors.ts';
import type { Tensor, TensorDtype } from './types.ts';

/** A tensor to be written: values are range-checked against the dtype before encoding. */
export interface TensorInput {
  name: string;
  dtype: TensorDtype;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Decoded contents of a safetensors file. Tensors keep the order of the header. */
export interface SafetensorsContents {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

interface DtypeInfo {
  itemSize: number;
  isFloat: boolean;
  /** Inclusive integer range; only meaningful for integer dtypes. */
  min: number;
  max: number;
  read(view: DataView, offset: number): number;
  write(view: DataView, offset: number, value: number): void;
}

const DTYPES: Record<TensorDtype, DtypeInfo> = {
  F32: {
    itemSize: 4, isFloat: true, min: -Infinity, max: Infinity,
    read: (v, o) => v.getFloat32(o, true),
    write: (v, o, x) => v.setFloat32(o, x, true),
  },
  F16: {
    itemSize: 2, isFloat: true, min: -Infinity, max: Infinity,
    read: (v, o) => getFloat16(v, o, true),
    write: (v, o, x) => setFloat16(v, o, x, true),
  },
  I8: {
    itemSize: 1, isFloat: false, min: -128, max: 127,
    read: (v, o) => v.getInt8(o),
    write: (v, o, x) => v.setInt8(o, x),
  },
  I16: {
    itemSize: 2, isFloat: false, min: -32768, max: 32767,
    read: (v, o) => v.getInt16(o, true),
    write: (v, o, x) => v.setInt16(o, x, true),
  },
  I32: {
    itemSize: 4, isFloat: false, min: -2147483648, max: 2147483647,
    read: (v, o) => v.getInt32(o, true),
    write: (v, o, x) => v.setInt32(o, x, true),
  },
};

export const SUPPORTED_DTYPES = Object.keys(DTYPES) as TensorDtype[];

/** A bfloat16 value: the upper half of a float32. */
export function bfloat16At(view: DataView, offset: number, littleEndian: boolean): number {
  return new Float32Array(new Uint32Array([view.getUint16(offset, littleEndian) << 16]).buffer)[0];
}

/**
 * Every dtype the safetensors format defines, with its item size, for reading state dicts
 * leniently (`parseSafetensorsLazy`): a checkpoint may hold tensors of any dtype that the importer
 * never uses (int64 `num_batches_tracked`, bool masks). `read` is absent where lutnn cannot decode.
 */
const ANY_DTYPES: Record<string, { itemSize: number; read?: (v: DataView, o: number) => number }> = {
  ...Object.fromEntries(Object.entries(DTYPES).map(([k, d]) => [k, { itemSize: d.itemSize, read: d.read }])),
  F64: { itemSize: 8, read: (v, o) => v.getFloat64(o, true) },
  BF16: { itemSize: 2, read: (v, o) => bfloat16At(v, o, true) },
  I64: { itemSize: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  U8: { itemSize: 1, read: (v, o) => v.getUint8(o) },
  BOOL: { itemSize: 1, read: (v, o) => v.getUint8(o) },
  U16: { itemSize: 2, read: (v, o) => v.getUint16(o, true) },
  U32: { itemSize: 4, read: (v, o) => v.getUint32(o, true) },
  U64: { itemSize: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  F8_E4M3: { itemSize: 1 },
  F8_E5M2: { itemSize: 1 },
};

/** A header larger than this is not a real model header but a corrupt or hostile length field. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const METADATA_KEY = '__metadata__';

export function isSupportedDtype(dtype: unknown): dtype is TensorDtype {
  return typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, dtype);
}

export function isFloatDtype(dtype: TensorDtype): boolean {
  return DTYPES[dtype].isFloat;
}

/** Number of elements of a shape; a scalar (shape []) has one element. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/** Reads and decodes a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  return parseSafetensors(await readInputFile(path, 'safetensors file', 'a readable safetensors file'), path);
}

/**
 * Decodes safetensors bytes. `file` is only used in error messages.
 * Tensors are decoded eagerly: floats to Float64Array, integers to Int32Array.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsContents {
  const headerLength = readHeaderLength(bytes, file);
  const header = parseHeaderJson(bytes.subarray(8, 8 + headerLength), file);
  const dataStart = 8 + headerLength;
  const data = bytes.subarray(dataStart);

  const metadata = parseMetadata(header[METADATA_KEY], file);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, info]) => parseEntry(name, info, data.length, file));
  checkNoOverlap(entries, file);

  const tensors = new Map<string, Tensor>();
  for (const entry of entries) tensors.set(entry.name, decodeEntry(entry, data));
  return { tensors, metadata };
}

/** A tensor of a leniently read file: any safetensors dtype, decoded only when asked. */
export interface LazyTensor {
  name: string;
  /** The safetensors dtype string (F32, I64, BOOL, …). */
  dtype: string;
  shape: number[];
  /** Row-major values as float64; refuses dtypes lutnn cannot decode and int64 beyond 2^53. */
  values(): Float64Array;
}

/**
 * Like parseSafetensors, but for state dicts that hold tensors of any dtype: the header is checked
 * just as strictly, tensors are decoded on use (`values()`), so an unused int64 or bool tensor
 * costs nothing and is no error.
 */
export function parseSafetensorsLazy(bytes: Uint8Array, file: string): Map<string, LazyTensor> {
  const headerLength = readHeaderLength(bytes, file);
  const header = parseHeaderJson(bytes.subarray(8, 8 + headerLength), file);
  const data = bytes.subarray(8 + headerLength);
  parseMetadata(header[METADATA_KEY], file);
  const entries = Object.entries(header)
    .filter(([name]) => name !== METADATA_KEY)
    .map(([name, info]) => parseEntry(name, info, data.length, file, true));
  checkNoOverlap(entries, file);
  const out = new Map<string, LazyTensor>();
  for (const e of entries) {
    out.set(e.name, {
      name: e.name,
      dtype: e.dtype,
      shape: [...e.shape],
      values() {
        const read = ANY_DTYPES[e.dtype].read;
        if (!read) throw new LutnnError(`Tensor ${JSON.stringify(e.name)} has a dtype lutnn cannot read.`, { file, field: `tensor ${JSON.stringify(e.name)}`, expected: 'a float or integer dtype', found: e.dtype });
        const count = elementCount(e.shape);
        const size = ANY_DTYPES[e.dtype].itemSize;
        const view = new DataView(data.buffer, data.byteOffset + e.begin, e.end - e.begin);
        const values = new Float64Array(count);
        for (let i = 0; i < count; i++) values[i] = read(view, i * size);
        for (let i = 0; i < count && (e.dtype === 'I64' || e.dtype === 'U64'); i++) {
          if (Math.abs(values[i]) > Number.MAX_SAFE_INTEGER) throw new LutnnError(`Tensor ${JSON.stringify(e.name)} holds an integer beyond 2^53.`, { file, field: `tensor ${JSON.stringify(e.name)}`, expected: 'integers of magnitude below 2^53', found: String(values[i]) });
        }
        return values;
      },
    });
  }
  return out;
}

function readHeaderLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < 8) {
    throw new LutnnError('Not a safetensors file: too short to hold the 8-byte header length', {
      file,
      expected: 'at least 8 bytes',
      found: `${bytes.length} bytes`,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new LutnnError('Not a safetensors file: absurd header length', {
      file,
      field: 'header length (first 8 bytes)',
      expected: `at most ${MAX_HEADER_BYTES} bytes`,
      found: `${length} bytes`,
    });
  }
  const n = Number(length);
  if (8 + n > bytes.length) {
    throw new LutnnError('Safetensors header length is larger than the file (truncated or not safetensors)', {
      file,
      field: 'header length (first 8 bytes)',
      expected: `at most ${bytes.length - 8} bytes (file size ${bytes.length} minus 8)`,
      found: `${n} bytes`,
    });
  }
  return n;
}

function parseHeaderJson(headerBytes: Uint8Array, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new LutnnError('Safetensors header is not valid UTF-8', {
      file, field: 'header', expected: 'UTF-8 JSON text', found: 'invalid UTF-8 bytes',
    });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new LutnnError('Safetensors header is not valid JSON', {
      file, field: 'header', expected: 'a JSON object', found: (err as Error).message,
    });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new LutnnError('Safetensors header is not a JSON object', {
      file, field: 'header', expected: 'a JSON object mapping tensor names to tensor info',
      found: describeValue(header),
    });
  }
  return header as Record<string, unknown>;
}

function parseMetadata(raw: unknown, file: string): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LutnnError('Safetensors __metadata__ is not an object', {
      file, field: METADATA_KEY, expected: 'an object of string values', found: describeValue(raw),
    });
  }
  const metadata: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw new LutnnError('Safetensors __metadata__ values must be strings', {
        file, field: `${METADATA_KEY}.${key}`, expected: 'a string', found: describeValue(value),
      });
    }
    metadata[key] = value;
  }
  return metadata;
}

/** A header entry whose fields have been checked against each other and against the buffer. */
interface ParsedEntry<D extends string = TensorDtype> {
  name: string;
  dtype: D;
  shape: number[];
  begin: number;
  end: number;
}

function parseEntry(name: string, info: unknown, dataLength: number, file: string): ParsedEntry;
function parseEntry(name: string, info: unknown, dataLength: number, file: string, anyDtype: true): ParsedEntry<string>;
function parseEntry(name: string, info: unknown, dataLength: number, file: string, anyDtype = false): ParsedEntry<string> {
  const field = `tensor ${JSON.stringify(name)}`;
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new LutnnError('Safetensors header entry is not an object', {
      file, field, expected: 'an object {dtype, shape, data_offsets}', found: describeValue(info),
    });
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  const entry = {
    name,
    dtype: anyDtype ? checkAnyDtype(dtype, field, file) : checkDtype(dtype, field, file),
    shape: checkShape(shape, field, file),
    ...checkOffsets(offsets, field, file),
  };
  checkByteLength(entry, field, file);
  if (entry.end > dataLength) {
    throw new LutnnError('Safetensors tensor data lies past the end of the file (truncated file?)', {
      file,
      field: `${field} data_offsets`,
      expected: `end offset at most ${dataLength} (size of the data buffer)`,
      found: `[${entry.begin}, ${entry.end}]: ${entry.end - dataLength} bytes missing`,
    });
  }
  return entry;
}

function checkDtype(dtype: unknown, field: string, file: string): TensorDtype {
  if (isSupportedDtype(dtype)) return dtype;
  throw new LutnnError(`Unsupported safetensors dtype ${describeValue(dtype)}`, {
    file,
    field: `${field} dtype`,
    expected: `one of ${SUPPORTED_DTYPES.join(', ')}`,
    found: describeValue(dtype),
  });
}

function checkAnyDtype(dtype: unknown, field: string, file: string): string {
  if (typeof dtype === 'string' && Object.prototype.hasOwnProperty.call(ANY_DTYPES, dtype)) return dtype;
  throw new LutnnError(`Unknown safetensors dtype ${describeValue(dtype)}`, {
    file,
    field: `${field} dtype`,
    expected: `one of ${Object.keys(ANY_DTYPES).join(', ')}`,
    found: describeValue(dtype),
  });
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function checkShape(shape: unknown, field: string, file: string): number[] {
  if (Array.isArray(shape) && shape.every(isNonNegativeInteger)) return shape as number[];
  throw new LutnnError('Safetensors tensor shape is invalid', {
    file,
    field: `${field} shape`,
    expected: 'an array of non-negative integers',
    found: Array.isArray(shape) ? JSON.stringify(shape) : describeValue(shape),
  });
}

function checkOffsets(offsets: unknown, field: string, file: string): { begin: number; end: number } {
  if (
    Array.isArray(offsets) && offsets.length === 2 &&
    isNonNegativeInteger(offsets[0]) && isNonNegativeInteger(offsets[1]) &&
    offsets[0] <= offsets[1]
  ) {
    return { begin: offsets[0], end: offsets[1] };
  }
  throw new LutnnError('Safetensors tensor data_offsets are invalid', {
    file,
    field: `${field} data_offsets`,
    expected: '[begin, end] with non-negative integers and begin <= end',
    found: Array.isArray(offsets) ? JSON.stringify(offsets) : describeValue(offsets),
  });
}

function checkByteLength(entry: ParsedEntry<string>, field: string, file: string): void {
  const { itemSize } = ANY_DTYPES[entry.dtype];
  const expectedBytes = elementCount(entry.shape) * itemSize;
  const actualBytes = entry.end - entry.begin;
  if (expectedBytes === actualBytes) return;
  throw new LutnnError('Safetensors tensor byte length does not match its shape and dtype', {
    file,
    field,
    expected: `${expectedBytes} bytes (shape [${entry.shape.join(', ')}] of ${entry.dtype}, ${itemSize} bytes each)`,
    found: `${actualBytes} bytes (data_offsets [${entry.begin}, ${entry.end}])`,
  });
}

/** Two tensors sharing bytes means the header is corrupt (or crafted); refuse instead of guessing. */
function checkNoOverlap(entries: ParsedEntry<string>[], file: string): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.begin < prev.end) {
      throw new LutnnError('Safetensors tensors overlap in the data buffer', {
        file,
        field: `tensor ${JSON.stringify(cur.name)}`,
        expected: `data starting at or after byte ${prev.end} (end of tensor ${JSON.stringify(prev.name)})`,
        found: `data_offsets [${cur.begin}, ${cur.end}] overlapping [${prev.begin}, ${prev.end}]`,
      });
    }
  }
}

function decodeEntry(entry: ParsedEntry, data: Uint8Array): Tensor {
  const info = DTYPES[entry.dtype];
  const count = elementCount(entry.shape);
  const out = info.isFloat ? new Float64Array(count) : new Int32Array(count);
  // DataView has no alignment requirement, so odd data offsets decode correctly.
  const view = new DataView(data.buffer, data.byteOffset + entry.begin, entry.end - entry.begin);
  for (let i = 0; i < count; i++) out[i] = info.read(view, i * info.itemSize);
  return { name: entry.name, dtype: entry.dtype, shape: [...entry.shape], data: out };
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/**
 * Encodes tensors as a spec-compliant safetensors buffer: tensors laid out contiguously in the
 * given order, header padded with spaces so the data buffer starts 8-byte aligned.
 * Float values are rounded to the dtype (F16 via @petamoriken/float16); integer values must be
 * integers within the dtype's range.
 */
export function encodeSafetensors(tensors: readonly TensorInput[], metadata?: Record<string, string>): Buffer {
  // Null prototype: a tensor named "__proto__" must become a key, not replace the prototype.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  let offset = 0;
  for (const t of tensors) {
    checkInput(t, header);
    const bytes = elementCount(t.shape) * DTYPES[t.dtype].itemSize;
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }

  const headerBytes = paddedHeader(header);
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  out.set(headerBytes, 8);
  const dataStart = 8 + headerBytes.length;
  for (const t of tensors) {
    const [begin, end] = (header[t.name] as { data_offsets: [number, number] }).data_offsets;
    encodeValues(t, new DataView(out.buffer, out.byteOffset + dataStart + begin, end - begin));
  }
  return out;
}

/** Writes tensors to `path` as a safetensors file (see encodeSafetensors). */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorInput[],
  metadata?: Record<string, string>,
): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = encodeSafetensors(tensors, metadata);
  } catch (err) {
    if (err instanceof LutnnError) throw new LutnnError(err.message.split('\n')[0], { ...err.location, file: path });
    throw err;
  }
  await writeFile(path, bytes);
}

function paddedHeader(header: Record<string, unknown>): Buffer {
  const json = JSON.stringify(header);
  const length = Buffer.byteLength(json, 'utf8');
  return Buffer.from(json + ' '.repeat((8 - (length % 8)) % 8), 'utf8');
}

function checkInput(t: TensorInput, headerSoFar: Record<string, unknown>): void {
  const field = `tensor ${JSON.stringify(t.name)}`;
  const fail = (summary: string, expected: string, found: string): never => {
    throw new LutnnError(summary, { field, expected, found });
  };
  if (typeof t.name !== 'string' || t.name === '' || t.name === METADATA_KEY) {
    fail('Invalid tensor name', `a non-empty name other than ${METADATA_KEY}`, describeValue(t.name));
  }
  if (Object.prototype.hasOwnProperty.call(headerSoFar, t.name)) {
    fail('Duplicate tensor name', 'each tensor name once', `${JSON.stringify(t.name)} twice`);
  }
  if (!isSupportedDtype(t.dtype)) {
    fail(`Unsupported dtype ${describeValue(t.dtype)}`, `one of ${SUPPORTED_DTYPES.join(', ')}`, describeValue(t.dtype));
  }
  if (!t.shape.every(isNonNegativeInteger)) {
    fail('Invalid tensor shape', 'an array of non-negative integers', JSON.stringify(t.shape));
  }
  if (t.data.length !== elementCount(t.shape)) {
    fail('Tensor data length does not match its shape',
      `${elementCount(t.shape)} values for shape [${t.shape.join(', ')}]`, `${t.data.length} values`);
  }
}

function encodeValues(t: TensorInput, view: DataView): void {
  const info = DTYPES[t.dtype];
  for (let i = 0; i < t.data.length; i++) {
    const x = t.data[i];
    if (!info.isFloat && !(Number.isInteger(x) && x >= info.min && x <= info.max)) {
      throw new LutnnError(`Value does not fit in ${t.dtype}`, {
        field: `tensor ${JSON.stringify(t.name)}`,
        expected: `integers from ${info.min} to ${info.max}`,
        found: `${describeValue(x)} at flat index ${i}`,
      });
    }
    info.write(view, i * info.itemSize, x);
  }
}
