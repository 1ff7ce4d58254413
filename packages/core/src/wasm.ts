// Hand-encoding WebAssembly modules (no binary shipped, no toolchain) and the part of the WebAssembly global the core uses.

/** Unsigned LEB128, as the binary format writes sizes, indices and SIMD opcodes. */
export const leb = (n: number): number[] => {
  const out: number[] = [];
  do {
    const low = n & 0x7f;
    n >>>= 7;
    out.push(n ? low | 0x80 : low);
  } while (n);
  return out;
};
export const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
export const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
/** A SIMD instruction (0xfd prefix). */
export const simd = (opcode: number): number[] => [0xfd, ...leb(opcode)];
export const [GET, SET, TEE] = [0x20, 0x21, 0x22];
export const I32 = 0x7f;
export const V128 = 0x7b;
/** The module header: magic and version 1. */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

/** The part of the WebAssembly global used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface Wasm {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
export const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;

/** The compiled module, or null where WebAssembly or an extension it uses (SIMD) is missing. */
export function compileWasm(bytes: Uint8Array): object | null {
  try {
    return wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  } catch {
    return null;
  }
}
