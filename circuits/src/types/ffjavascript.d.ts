declare module 'ffjavascript' {
  /** A field of ffjavascript's wasm engine; elements are Uint8Arrays in Montgomery form. */
  export type WasmField = {
    readonly n8: number
    readonly one: Uint8Array
    /** Roots of unity: w[k] generates the domain of size 2^k. */
    readonly w: Uint8Array[]
    e(value: bigint | number | string): Uint8Array
    toObject(element: Uint8Array): bigint
    mul(a: Uint8Array, b: Uint8Array): Uint8Array
  }

  /** A curve group; points are Uint8Arrays, Jacobian (3·n8 bytes) or affine (2·n8 bytes), Montgomery. */
  export type WasmCurveGroup = {
    readonly g: Uint8Array
    readonly F: { readonly n8: number }
    timesScalar(point: Uint8Array, scalar: bigint | number): Uint8Array
    timesFr(point: Uint8Array, scalar: Uint8Array): Uint8Array
    toAffine(point: Uint8Array): Uint8Array
    eq(a: Uint8Array, b: Uint8Array): boolean
    toUncompressed(point: Uint8Array): Uint8Array
    toRprLEM(buffer: Uint8Array, offset: number, point: Uint8Array): void
    fromRprLEM(buffer: Uint8Array, offset?: number): Uint8Array
    fromRng(rng: ChaCha): Uint8Array
  }

  export type Curve = {
    readonly name: string
    readonly r: bigint
    readonly q: bigint
    readonly Fr: WasmField
    readonly F1: WasmField
    readonly G1: WasmCurveGroup
    readonly G2: WasmCurveGroup
    /** The engine's thread manager; `code` (the wasm module) is present on single-threaded curves. */
    readonly tm: { readonly code?: Uint8Array }
    terminate(): Promise<void>
  }

  export function buildBn128(singleThread?: boolean): Promise<Curve>
  export function getCurveFromName(name: string, singleThread?: boolean): Promise<Curve>

  export class ChaCha {
    constructor(seed?: number[])
  }
}
