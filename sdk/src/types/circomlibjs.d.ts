// The part of circomlibjs (no typings of its own) the SDK uses: Poseidon over the BN254 scalar field.
declare module 'circomlibjs' {
  type FieldElement = Uint8Array
  export type Poseidon = ((inputs: readonly (bigint | FieldElement)[]) => FieldElement) & { F: { toObject(element: FieldElement): bigint } }
  export function buildPoseidon(): Promise<Poseidon>
}
