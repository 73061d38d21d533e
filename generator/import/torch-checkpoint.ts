/**
 * PyTorch checkpoints (`torch.save`, `.pth` / `.pt`) read in TypeScript, without Python.
 *
 * Since torch 1.6 `torch.save` writes a zip archive (torch/serialization.py `_save`):
 *
 *   <archive>/data.pkl        the pickled object (protocol 2), tensors as persistent ids
 *   <archive>/data/<key>      one raw storage per key, in the byte order of <archive>/byteorder
 *   <archive>/byteorder       "little" or "big" (absent in files older than torch 1.13: little)
 *   <archive>/version, .format_version, .storage_alignment, .data/serialization_id
 *
 * A tensor is pickled as `torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
 * requires_grad, backward_hooks[, metadata])`, where `storage` is the persistent id
 * `('storage', torch.<Dtype>Storage, key, location, numel)`; a Parameter wraps it in
 * `torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`; a state dict is a
 * `collections.OrderedDict`. The pickle is decoded with the `pickleparser` package; the only
 * globals resolved are the few above (everything else stays an inert placeholder object), so
 * reading a checkpoint never runs code from it.
 *
 * Tensors are decoded on use: a checkpoint may hold tensors of any dtype (int64
 * `num_batches_tracked`, bool masks, optimizer state) that the caller never looks at.
 */
import { readInputFile } from '../util/read-input.ts';
import { getFloat16 } from '@petamoriken/float16';
import { unzipSync } from 'fflate';
import pickleparser from 'pickleparser';
import { bfloat16At } from '../artifact/safetensors.ts';
import { LutnnError } from '../errors.ts';

/** Element types of torch storages (torch/storage.py `_dtype_to_storage_type_map`). */
const STORAGE_DTYPES: Record<string, { dtype: string; itemSize: number }> = {
  DoubleStorage: { dtype: 'float64', itemSize: 8 },
  FloatStorage: { dtype: 'float32', itemSize: 4 },
  HalfStorage: { dtype: 'float16', itemSize: 2 },
  BFloat16Storage: { dtype: 'bfloat16', itemSize: 2 },
  LongStorage: { dtype: 'int64', itemSize: 8 },
  IntStorage: { dtype: 'int32', itemSize: 4 },
  ShortStorage: { dtype: 'int16', itemSize: 2 },
  CharStorage: { dtype: 'int8', itemSize: 1 },
  ByteStorage: { dtype: 'uint8', itemSize: 1 },
  BoolStorage: { dtype: 'bool', itemSize: 1 },
};

export interface TorchTensor {
  /** Key path of the tensor in the checkpoint, e.g. `state_dict.cnn.fc1.weight`. */
  path: string;
  /** torch dtype name: float32, float16, int64, … */
  dtype: string;
  shape: number[];
  /** The values in row-major order, as float64 (integers beyond 2^53 and complex types are refused). */
  values(): Float64Array;
}

/** What the checkpoint's pickle becomes: plain objects, arrays, numbers, strings and tensors. */
export type TorchValue = TorchTensor | Map<string, TorchValue> | TorchValue[] | string | number | boolean | bigint | null | object;

/** A storage placeholder as the persistent-id resolver returns it. */
interface StorageRef {
  __storage: true;
  dtype: string;
  itemSize: number;
  key: string;
  numel: number;
}

export const isTorchTensor = (v: unknown): v is TorchTensor => typeof v === 'object' && v !== null && typeof (v as TorchTensor).values === 'function' && Array.isArray((v as TorchTensor).shape);

/** True when the bytes start like a zip archive (a torch ≥ 1.6 checkpoint, an npz). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Legacy torch.save output (torch < 1.6 or `_use_new_zipfile_serialization=False`) starts with a pickled magic number. */
export const LEGACY_TORCH = 'the legacy torch serialization (torch < 1.6 or _use_new_zipfile_serialization=False); re-save it with torch.save(obj, path) from torch ≥ 1.6';

export function isLegacyTorch(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x80 && bytes[1] <= 5;
}

export async function readTorchCheckpoint(file: string): Promise<TorchValue> {
  return parseTorchCheckpoint(new Uint8Array(await readInputFile(file, 'PyTorch checkpoint', 'a readable .pth / .pt file')), file);
}

export function parseTorchCheckpoint(bytes: Uint8Array, file: string): TorchValue {
  if (!isZip(bytes)) {
    throw new LutnnError('Not a PyTorch zip checkpoint.', {
      file,
      expected: 'a file written by torch.save (torch ≥ 1.6: a zip archive holding data.pkl)',
      found: isLegacyTorch(bytes)
        ? LEGACY_TORCH
        : `a file starting with bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    });
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new LutnnError('The PyTorch checkpoint is not a readable zip archive.', { file, expected: 'a complete torch.save zip', found: (err as Error).message });
  }
  const pklName = Object.keys(entries).find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pklName) {
    throw new LutnnError('The zip archive is not a PyTorch checkpoint.', { file, expected: 'an entry <archive>/data.pkl (torch.save)', found: `entries ${Object.keys(entries).slice(0, 8).join(', ')}` });
  }
  const root = pklName.slice(0, -'data.pkl'.length);
  const byteorderEntry = entries[`${root}byteorder`];
  const byteorder = byteorderEntry ? new TextDecoder().decode(byteorderEntry).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') {
    throw new LutnnError('Unknown byte order in the PyTorch checkpoint.', { file, field: `${root}byteorder`, expected: 'little or big', found: JSON.stringify(byteorder) });
  }
  const storageBytes = (key: string): Uint8Array => {
    const data = entries[`${root}data/${key}`];
    if (!data) throw new LutnnError('A tensor storage is missing from the PyTorch checkpoint.', { file, field: `${root}data/${key}`, expected: 'the storage the pickle refers to', found: 'no such zip entry (truncated or edited file?)' });
    return data;
  };
  return unpickleTorch(entries[pklName], file, storageBytes, byteorder === 'little');
}

function unpickleTorch(pickle: Uint8Array, file: string, storageBytes: (key: string) => Uint8Array, littleEndian: boolean): TorchValue {
  const registry = new pickleparser.NameRegistry();
  // A placeholder for every storage class; the persistent-id resolver reads its name.
  for (const name of Object.keys(STORAGE_DTYPES)) registry.register('torch', name, storageClass(name));
  registry.register('torch._utils', '_rebuild_tensor_v2', (storage: StorageRef, offset: number, size: number[], stride: number[]) => makeTensor(storage, offset, size, stride, file, storageBytes, littleEndian));
  registry.register('torch._utils', '_rebuild_tensor', (storage: StorageRef, offset: number, size: number[], stride: number[]) => makeTensor(storage, offset, size, stride, file, storageBytes, littleEndian));
  registry.register('torch._utils', '_rebuild_parameter', (tensor: unknown) => tensor);
  registry.register('torch._utils', '_rebuild_parameter_with_state', (tensor: unknown) => tensor);
  registry.register('collections', 'OrderedDict', () => new Map());
  registry.register('torch', 'Size', (dims: number[]) => dims);
  const parser = new pickleparser.Parser({
    nameResolver: registry,
    unpicklingTypeOfDictionary: 'Map',
    persistentResolver: {
      resolve(pid: unknown) {
        // ('storage', storage_type, key, location, numel)
        if (!Array.isArray(pid) || pid[0] !== 'storage') {
          throw new LutnnError('Unknown persistent object in the PyTorch checkpoint.', { file, expected: "('storage', type, key, location, numel)", found: JSON.stringify(pid)?.slice(0, 80) ?? String(pid) });
        }
        const typeName = (pid[1] as { __storageName?: string })?.__storageName ?? String((pid[1] as { __name__?: string })?.__name__ ?? pid[1]);
        const info = STORAGE_DTYPES[typeName];
        const ref: StorageRef = { __storage: true, dtype: info?.dtype ?? typeName, itemSize: info?.itemSize ?? 0, key: String(pid[2]), numel: Number(pid[4]) };
        return ref;
      },
    },
  });
  try {
    return parser.parse<TorchValue>(pickle);
  } catch (err) {
    if (err instanceof LutnnError) throw err;
    throw new LutnnError('The PyTorch checkpoint could not be unpickled.', { file, field: 'data.pkl', expected: 'a pickled state dict or a dict holding one', found: (err as Error).message });
  }
}

/** A stand-in for `torch.<Name>Storage`: carries its name for the persistent-id resolver. */
function storageClass(name: string): () => void {
  const f = function storage() {};
  Object.defineProperty(f, '__storageName', { value: name });
  return f;
}

function makeTensor(storage: StorageRef, offset: number, size: number[], stride: number[], file: string, storageBytes: (key: string) => Uint8Array, littleEndian: boolean): TorchTensor {
  const shape = size.map(Number);
  const strides = stride.map(Number);
  let path = '';
  const tensor: TorchTensor & { setPath(p: string): void } = {
    path: '',
    dtype: storage.dtype,
    shape,
    setPath(p) {
      path = p;
      this.path = p;
    },
    values() {
      const info = Object.values(STORAGE_DTYPES).find((d) => d.dtype === storage.dtype);
      if (!info) {
        throw new LutnnError(`Tensor "${path}" has a dtype lutnn cannot read.`, { file, field: path, expected: `one of ${Object.values(STORAGE_DTYPES).map((d) => d.dtype).join(', ')}`, found: storage.dtype });
      }
      return gather(storageBytes(storage.key), info, storage.numel, Number(offset), shape, strides, { file, path }, littleEndian);
    },
  };
  return tensor;
}

/** Row-major values of the strided view (offset, shape, strides in elements) of one storage. */
function gather(bytes: Uint8Array, info: { dtype: string; itemSize: number }, numel: number, offset: number, shape: number[], strides: number[], where: { file: string; path: string }, littleEndian: boolean): Float64Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== numel * info.itemSize) {
    throw new LutnnError(`The storage of tensor "${where.path}" has the wrong size.`, { file: where.file, field: where.path, expected: `${numel} ${info.dtype} values (${numel * info.itemSize} bytes)`, found: `${bytes.length} bytes` });
  }
  let last = offset;
  for (let d = 0; d < shape.length; d++) if (shape[d] > 0) last += (shape[d] - 1) * strides[d];
  if (count > 0 && (offset < 0 || last >= numel)) {
    throw new LutnnError(`Tensor "${where.path}" reaches outside its storage.`, { file: where.file, field: where.path, expected: `elements within the storage's ${numel}`, found: `offset ${offset}, shape [${shape.join(', ')}], strides [${strides.join(', ')}]` });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = reader(info.dtype, view, littleEndian, where);
  const out = new Float64Array(count);
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  for (let i = 0; i < count; i++) {
    out[i] = read(at * info.itemSize);
    // Advance the multi-index like an odometer, keeping `at` = offset + Σ index·stride.
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= index[d] * strides[d];
      index[d] = 0;
    }
  }
  return out;
}

function reader(dtype: string, v: DataView, le: boolean, where: { file: string; path: string }): (o: number) => number {
  switch (dtype) {
    case 'float64': return (o) => v.getFloat64(o, le);
    case 'float32': return (o) => v.getFloat32(o, le);
    case 'float16': return (o) => getFloat16(v, o, le);
    // bfloat16 is the upper half of a float32.
    case 'bfloat16': return (o) => bfloat16At(v, o, le);
    case 'int32': return (o) => v.getInt32(o, le);
    case 'int16': return (o) => v.getInt16(o, le);
    case 'int8': return (o) => v.getInt8(o);
    case 'uint8':
    case 'bool': return (o) => v.getUint8(o);
    case 'int64':
      return (o) => {
        const x = v.getBigInt64(o, le);
        if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(-Number.MAX_SAFE_INTEGER)) {
          throw new LutnnError(`Tensor "${where.path}" holds an int64 beyond 2^53.`, { file: where.file, field: where.path, expected: 'integers of magnitude below 2^53', found: String(x) });
        }
        return Number(x);
      };
    default:
      throw new LutnnError(`Tensor "${where.path}" has a dtype lutnn cannot read.`, { file: where.file, field: where.path, expected: 'a float or integer dtype', found: dtype });
  }
}

/**
 * Every tensor reachable from the checkpoint's root, keyed by its dotted path, with each tensor's
 * `path` set. Dicts (`Map`s) contribute their keys; lists their indices.
 */
export function tensorsByPath(root: TorchValue): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  const walk = (v: unknown, path: string, depth: number) => {
    if (depth > 16) return;
    if (isTorchTensor(v)) {
      (v as TorchTensor & { setPath(p: string): void }).setPath(path);
      out.set(path, v);
    } else if (v instanceof Map) {
      for (const [k, x] of v) walk(x, path ? `${path}.${String(k)}` : String(k), depth + 1);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i), depth + 1));
    }
  };
  walk(root, '', 0);
  return out;
}
