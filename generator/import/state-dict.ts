/**
 * A trained model's state dict as importers read it, whatever file holds it: safetensors, a
 * PyTorch checkpoint (`torch.save` zip, `.pth` / `.pt`), or an npz. The file's first bytes decide
 * (not its extension). Tensors are decoded on use, so tensors an importer does not use are ignored
 * whatever their dtype (int64 `num_batches_tracked`, bool masks, optimizer state).
 *
 * Key prefixes that wrap the whole model are stripped: `module.` (torch.nn.DataParallel /
 * DistributedDataParallel) and `cnn.` (blink-mm's model wrapper), so `cnn.fc1.weight` is `fc1.weight`.
 * A checkpoint dict `{"state_dict": {...}, ...}` (or `model`, `model_state_dict`, `net`) is
 * looked into.
 */
import { readInputFile } from '../util/read-input.ts';
import { unzipSync } from 'fflate';
import { parseSafetensorsLazy } from '../artifact/safetensors.ts';
import { LutnnError } from '../errors.ts';
import { readNpz } from '../convert/numpy.ts';
import { isLegacyTorch, isTorchTensor, isZip, LEGACY_TORCH, parseTorchCheckpoint, tensorsByPath, type TorchValue } from './torch-checkpoint.ts';

export interface StateTensor {
  /** Key after prefix stripping (`fc1.weight`). */
  name: string;
  /** Key as stored in the file (`state_dict.cnn.fc1.weight`), for error messages. */
  stored: string;
  dtype: string;
  shape: number[];
  values(): Float64Array;
}

export interface StateDict {
  file: string;
  format: 'safetensors' | 'torch' | 'npz';
  tensors: Map<string, StateTensor>;
  /** The prefix that was stripped from every key ('' if none). */
  strippedPrefix: string;
}

/** Leading key segments that wrap a whole model rather than name a layer. */
const WRAPPER_SEGMENTS = new Set(['module', 'cnn']);
/** Keys of a checkpoint dict that hold the model's state dict. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'net', 'network'];

export async function readStateDict(file: string): Promise<StateDict> {
  const bytes = new Uint8Array(await readInputFile(file, 'model file', 'a readable state dict (.safetensors, .pth / .pt, .npz)'));
  if (isZip(bytes)) return isNpz(bytes) ? fromNpz(file) : fromTorch(bytes, file);
  if (!looksLikeSafetensors(bytes)) {
    throw new LutnnError('Not a state dict lutnn can read.', {
      file,
      expected: 'a PyTorch checkpoint (torch.save zip), a safetensors file or an npz archive',
      found: isLegacyTorch(bytes) ? LEGACY_TORCH : bytes[0] === 0x93 && bytes[1] === 0x4e ? 'a single NumPy .npy array' : `a file starting with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    });
  }
  return withStrippedPrefix(file, 'safetensors', [...parseSafetensorsLazy(bytes, file).values()].map((t) => ({ stored: t.name, dtype: t.dtype, shape: t.shape, values: () => t.values() })));
}

/** safetensors: an 8-byte little-endian header length that fits the file, then a JSON object. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

function isNpz(bytes: Uint8Array): boolean {
  try {
    const names = Object.keys(unzipSync(bytes, { filter: (f) => f.name.endsWith('data.pkl') || f.name.endsWith('.npy') }));
    return names.length > 0 && names.every((n) => n.endsWith('.npy'));
  } catch {
    return false;
  }
}

async function fromNpz(file: string): Promise<StateDict> {
  const arrays = await readNpz(file, 'state dict (npz)');
  return withStrippedPrefix(file, 'npz', [...arrays].map(([name, a]) => ({ stored: name, dtype: a.dtype, shape: a.shape, values: () => a.data })));
}

function fromTorch(bytes: Uint8Array, file: string): StateDict {
  const root = parseTorchCheckpoint(bytes, file);
  const candidates: [string, TorchValue][] = [['', root]];
  if (root instanceof Map) for (const k of STATE_DICT_KEYS) if (root.has(k)) candidates.push([k, root.get(k) as TorchValue]);
  // The candidate whose direct values are tensors: a state dict, not a dict of dicts.
  const direct = (v: TorchValue) => (v instanceof Map ? [...v.values()].filter(isTorchTensor).length : 0);
  const best = candidates.reduce((a, b) => (direct(b[1]) > direct(a[1]) ? b : a));
  if (direct(best[1]) === 0) {
    const keys = root instanceof Map ? [...root.keys()].slice(0, 12).join(', ') : typeof root;
    throw new LutnnError('No state dict found in the PyTorch checkpoint.', { file, expected: `a dict of tensors, or a dict with one under ${STATE_DICT_KEYS.join(' / ')}`, found: `top-level keys: ${keys || 'none'}` });
  }
  const tensors = tensorsByPath(best[1]);
  const prefix = best[0] ? `${best[0]}.` : '';
  return withStrippedPrefix(file, 'torch', [...tensors].filter(([, t]) => isTorchTensor(t)).map(([path, t]) => ({ stored: `${prefix}${path}`, dtype: t.dtype, shape: t.shape, values: () => t.values(), key: path })));
}

function withStrippedPrefix(file: string, format: StateDict['format'], list: (Omit<StateTensor, 'name'> & { key?: string })[]): StateDict {
  const keys = list.map((t) => t.key ?? t.stored);
  let stripped = '';
  for (;;) {
    const first = keys[0]?.slice(stripped.length).split('.')[0];
    if (first === undefined || !WRAPPER_SEGMENTS.has(first)) break;
    const next = `${stripped}${first}.`;
    if (!keys.every((k) => k.startsWith(next) && k.length > next.length)) break;
    stripped = next;
  }
  const tensors = new Map<string, StateTensor>();
  list.forEach((t, i) => {
    const name = keys[i].slice(stripped.length);
    tensors.set(name, { name, stored: t.stored, dtype: t.dtype, shape: t.shape, values: t.values });
  });
  return { file, format, tensors, strippedPrefix: stripped };
}

/** A tensor's values with its shape checked, or a LutnnError naming the stored key. */
export function expectTensor(sd: StateDict, name: string, shape: number[]): Float64Array {
  const t = sd.tensors.get(name);
  if (!t) throw new LutnnError(`Tensor "${name}" is missing.`, { file: sd.file, field: `tensor "${sd.strippedPrefix}${name}"`, expected: `shape [${shape.join(', ')}]`, found: 'no such tensor' });
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new LutnnError(`Tensor "${name}" has the wrong shape.`, { file: sd.file, field: `tensor "${t.stored}"`, expected: `shape [${shape.join(', ')}]`, found: `shape [${t.shape.join(', ')}]` });
  }
  const v = t.values();
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new LutnnError(`Non-finite value in tensor "${name}".`, { file: sd.file, field: `tensor "${t.stored}"`, expected: 'finite numbers only', found: `${v[i]} at flat index ${i}` });
  }
  return v;
}
