// The part of circomlibjs (no typings of its own) the SDK uses: Poseidon and Baby Jubjub over the
// BN254 scalar field, whose elements it keeps as 32-byte Montgomery forms (F.e / F.toObject convert).
declare module 'circomlibjs' {
  type FieldElement = Uint8Array
  type Field = { toObject(element: FieldElement): bigint; e(value: bigint): FieldElement }
  export type Poseidon = ((inputs: readonly (bigint | FieldElement)[]) => FieldElement) & { F: Field }
  export function buildPoseidon(): Promise<Poseidon>
  export type BabyJub = {
    F: Field
    Base8: [FieldElement, FieldElement]
    subOrder: bigint
    mulPointEscalar(point: readonly [FieldElement, FieldElement], scalar: bigint): [FieldElement, FieldElement]
    inCurve(point: readonly [FieldElement, FieldElement]): boolean
    inSubgroup(point: readonly [FieldElement, FieldElement]): boolean
  }
  export function buildBabyjub(): Promise<BabyJub>
}
