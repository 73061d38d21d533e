/**
 * The table load port (hw.yaml table_storage: ram; plan/load-map.ts) as it reaches one layer: the
 * port's ranges and, per writable memory, its write enable (the high address bits compared with
 * the region's base), write address and data.
 */
import type { LoadMapPlan, LoadRegion } from '../../plan/types.ts';
import { lit, range, slice } from '../verilog.ts';

export interface RegionWrite {
  we: string;
  waddr: string;
  wdata: string;
}

/** Data bits a layer's memories take from the port: the widest of them. */
export function loadDataWidth(regions: LoadRegion[]): number {
  return Math.max(...regions.map((r) => r.width));
}

export function regionWrite(map: LoadMapPlan, r: LoadRegion): RegionWrite {
  const high = map.addressWidth - r.addressWidth;
  const we = high > 0 ? `load_we_i && (${slice('load_addr_i', r.addressWidth, high)} == ${lit(r.base / 2 ** r.addressWidth, high)})` : 'load_we_i';
  return { we, waddr: slice('load_addr_i', 0, r.addressWidth), wdata: slice('load_data_i', 0, r.width) };
}

/** Template fields of a layer's module with the load port (data as wide as its memories): `load` is false without one. */
export function loadPortFields(map: LoadMapPlan | undefined, regions: LoadRegion[] | undefined): { load: false | { addrRange: string; dataRange: string } } {
  if (!map || !regions || regions.length === 0) return { load: false };
  return { load: { addrRange: range(map.addressWidth), dataRange: range(loadDataWidth(regions)) } };
}

/** What a module taking the data of its own regions only is connected to: `load_data_i` or its low bits. */
export function loadDataSlice(all: LoadRegion[], own: LoadRegion[]): string {
  const w = loadDataWidth(own);
  return w === loadDataWidth(all) ? 'load_data_i' : slice('load_data_i', 0, w);
}

/** Template fields of a design-level module (model top, AXI4-Stream top) with the whole load port. */
export function designLoadPortFields(map: LoadMapPlan | undefined): { load: false | { addrRange: string; dataRange: string } } {
  return { load: map ? { addrRange: range(map.addressWidth), dataRange: range(map.dataWidth) } : false };
}
