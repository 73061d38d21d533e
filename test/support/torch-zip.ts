/**
 * Builds PyTorch zip checkpoints the way torch.save lays them out (torch/serialization.py `_save`:
 * `<archive>/data.pkl` pickled with protocol 2, tensors as persistent ids ('storage', type, key,
 * location, numel), raw storages in `<archive>/data/<key>`, `<archive>/byteorder`), for tests of
 * the reader beyond the one real checkpoint: strided views, storage offsets, shared storages,
 * dtypes, prefixes. Only the pickle opcodes torch's pickler emits for a state dict are written.
 */
import { zipSync } from 'fflate';

export interface TorchTensorSpec {
  /** Storage class name: FloatStorage, LongStorage, BFloat16Storage, … */
  storage: string;
  /** Storage key (the `data/<key>` entry); tensors may share one. */
  key: string;
  /** The storage's raw little-endian bytes. */
  bytes: Uint8Array;
  numel: number;
  offset: number;
  size: number[];
  stride: number[];
}

class Pickle {
  private out: number[] = [0x80, 0x02];
  private push(...b: number[]) {
    this.out.push(...b);
  }
  str(s: string) {
    const b = Buffer.from(s, 'utf8');
    this.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b);
  }
  int(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(0x4a, ...b);
  }
  global(module: string, name: string) {
    this.push(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  tuple(items: (() => void)[]) {
    if (items.length === 0) return this.push(0x29);
    this.push(0x28);
    for (const f of items) f();
    this.push(0x74);
  }
  mark() {
    this.push(0x28);
  }
  setitems() {
    this.push(0x75);
  }
  setitem() {
    this.push(0x73);
  }
  emptyDict() {
    this.push(0x7d);
  }
  reduce() {
    this.push(0x52);
  }
  persid() {
    this.push(0x51);
  }
  false_() {
    this.push(0x89);
  }
  orderedDict() {
    this.global('collections', 'OrderedDict');
    this.tuple([]);
    this.reduce();
  }
  tensor(t: TorchTensorSpec) {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.tuple([
      () => {
        this.tuple([() => this.str('storage'), () => this.global('torch', t.storage), () => this.str(t.key), () => this.str('cpu'), () => this.int(t.numel)]);
        this.persid();
      },
      () => this.int(t.offset),
      () => this.tuple(t.size.map((d) => () => this.int(d))),
      () => this.tuple(t.stride.map((d) => () => this.int(d))),
      () => this.false_(),
      () => this.orderedDict(),
    ]);
    this.reduce();
  }
  stop(): Uint8Array {
    this.push(0x2e);
    return Uint8Array.from(this.out);
  }
}

/** A checkpoint `{wrapper: OrderedDict(tensors)}` (or the state dict itself when wrapper is null). */
export function torchZip(tensors: Record<string, TorchTensorSpec>, opts: { wrapper?: string | null; archive?: string; byteorder?: string } = {}): Uint8Array {
  const p = new Pickle();
  const wrapper = opts.wrapper === undefined ? 'state_dict' : opts.wrapper;
  if (wrapper) {
    p.emptyDict();
    p.str(wrapper);
  }
  p.orderedDict();
  p.mark();
  for (const [name, t] of Object.entries(tensors)) {
    p.str(name);
    p.tensor(t);
  }
  p.setitems();
  if (wrapper) p.setitem();
  const archive = opts.archive ?? 'checkpoint';
  const entries: Record<string, Uint8Array> = { [`${archive}/data.pkl`]: p.stop(), [`${archive}/version`]: Buffer.from('3\n') };
  if (opts.byteorder !== '') entries[`${archive}/byteorder`] = Buffer.from(opts.byteorder ?? 'little');
  for (const t of Object.values(tensors)) entries[`${archive}/data/${t.key}`] = t.bytes;
  return zipSync(entries, { level: 0, mtime: new Date('2020-01-01T00:00:00Z') });
}

/** A contiguous float32 tensor of its own storage. */
export function float32(key: string, shape: number[], values: ArrayLike<number>): TorchTensorSpec {
  const bytes = new Uint8Array(new Float32Array(Array.from(values)).buffer);
  const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { storage: 'FloatStorage', key, bytes, numel: values.length, offset: 0, size: shape, stride };
}
