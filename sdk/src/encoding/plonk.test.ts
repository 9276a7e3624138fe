import { readFileSync } from 'node:fs'
import * as snarkjs from 'snarkjs'
import { numberToHex, sliceHex, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { InvalidProofBytesError, InvalidProofFieldError, InvalidVerificationKeyBytesError, InvalidVerificationKeyError } from '../errors/verificationKey.js'
import { decodePlonkProof, decodePlonkVerificationKey, encodePlonkProof, encodePlonkVerificationKey, type PlonkProof, type PlonkVerificationKey } from './plonk.js'

type Fixture = {
  publicSignals: string[]
  encodedVerificationKey: Hex
  encodedProof: Hex
  verificationKey: PlonkVerificationKey
  proof: PlonkProof
}

/** The snarkjs declaration of circuits/src/types covers Groth16 only. */
const { plonk } = snarkjs as unknown as {
  plonk: { verify(vkey: PlonkVerificationKey, publicSignals: string[], proof: PlonkProof): Promise<boolean> }
}

const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

const fixtures = ['square', 'products3', 'products9'].map((name) => {
  const url = new URL(`../../../contracts/test/fixtures/plonk/${name}.json`, import.meta.url)
  return [name, JSON.parse(readFileSync(url, 'utf8')) as Fixture] as const
})
const [, square] = fixtures[0] as (typeof fixtures)[number]

describe.each(fixtures)('the %s fixture', (_, fixture) => {
  test('its key encodes to the fixture bytes and decodes back to the snarkjs JSON', () => {
    expect(encodePlonkVerificationKey(fixture.verificationKey)).toBe(fixture.encodedVerificationKey)
    expect(decodePlonkVerificationKey(fixture.encodedVerificationKey)).toEqual(fixture.verificationKey)
  })

  test("its proof encodes to snarkjs's soliditycalldata words and decodes back to the snarkjs JSON", () => {
    expect(encodePlonkProof(fixture.proof)).toBe(fixture.encodedProof)
    expect(decodePlonkProof(fixture.encodedProof)).toEqual(fixture.proof)
  })

  test('snarkjs accepts the decoded proof with the decoded key, and rejects a changed signal', async () => {
    const vkey = decodePlonkVerificationKey(fixture.encodedVerificationKey)
    const proof = decodePlonkProof(fixture.encodedProof)
    expect(await plonk.verify(vkey, fixture.publicSignals, proof)).toBe(true)
    const changed = fixture.publicSignals.map((signal, i) => (i === 0 ? (BigInt(signal) + 1n).toString() : signal))
    expect(await plonk.verify(vkey, changed, proof)).toBe(false)
  })
})

describe('the key encoding', () => {
  const vkey = square.verificationKey

  test('lays out power, nPublic, k1, k2, w, Qm..S3 and X_2 imaginary part first', () => {
    const bytes = encodePlonkVerificationKey(vkey)
    const word = (index: number) => BigInt(sliceHex(bytes, index * 32, (index + 1) * 32))
    expect([word(0), word(1), word(2), word(3), word(4)]).toEqual([9n, 3n, BigInt(vkey.k1), BigInt(vkey.k2), BigInt(vkey.w)])
    expect([word(5), word(6)]).toEqual(vkey.Qm.slice(0, 2).map(BigInt))
    expect([word(19), word(20)]).toEqual(vkey.S3.slice(0, 2).map(BigInt))
    const [[xRe, xIm], [yRe, yIm]] = vkey.X_2 as [[string, string], [string, string]]
    expect([word(21), word(22), word(23), word(24)]).toEqual([xIm, xRe, yIm, yRe].map(BigInt))
  })

  test('writes a point at infinity as (0, 0) and reads it back as snarkjs writes it', () => {
    const bytes = encodePlonkVerificationKey({ ...vkey, Qc: ['0', '1', '0'] })
    expect(sliceHex(bytes, 13 * 32, 15 * 32)).toBe(`0x${'00'.repeat(64)}`)
    expect(decodePlonkVerificationKey(bytes).Qc).toEqual(['0', '1', '0'])
  })

  test('rejects a key the verifier would not read, naming the field and value', () => {
    expect(() => encodePlonkVerificationKey({ ...vkey, power: 29 })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's power (29) is invalid: the domain power must be an integer in [1, 28].

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    expect(() => encodePlonkVerificationKey({ ...vkey, power: 0 })).toThrow(InvalidVerificationKeyError)
    expect(() => encodePlonkVerificationKey({ ...vkey, nPublic: 0 })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's nPublic (0) is invalid: a circuit for the oracle has at least one public signal.

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    expect(() => encodePlonkVerificationKey({ ...vkey, k1: SCALAR_FIELD.toString() })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's k1 ("21888242871839275222246405745257275088548364400416034343698204186575808495617") is invalid: it is not below BN254's scalar field modulus r.

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    expect(() => encodePlonkVerificationKey({ ...vkey, w: '0x05' })).toThrow(InvalidVerificationKeyError)
    expect(() => encodePlonkVerificationKey({ ...vkey, Ql: [BASE_FIELD.toString(), '2', '1'] })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's Ql.x ("21888242871839275222246405745257275088696311157297823662689037894645226208583") is invalid: it is not below BN254's base field modulus p.

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    expect(() => encodePlonkVerificationKey({ ...vkey, Qr: ['1', '2', '3'] })).toThrow(InvalidVerificationKeyError)
    expect(() => encodePlonkVerificationKey({ ...vkey, Qo: ['1', '3', '1'] })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's Qo (["1","3","1"]) is invalid: it is not on the curve y^2 = x^3 + 3.

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    const [[xRe, xIm], y, z] = vkey.X_2 as [[string, string], [string, string], [string, string]]
    expect(() => encodePlonkVerificationKey({ ...vkey, X_2: [[xIm, xRe], y, z] })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's X_2 ([["13819658752411841799349298076648973537591435531108660208023622674869999792404","1127258689249979790123399928651135207516288806606315668299988449118060107325"],["11102494648841424125118425703610819181508577208784107818480970375530827820841","3766128494368137371480471861804762134998964477174911550079866309660595980090"],["1","0"]]) is invalid: it is not on G2's curve y^2 = x^3 + 3 / (9 + i).

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
    expect(() => encodePlonkVerificationKey({ ...vkey, X_2: [['0', '0'], ['1', '0'], ['0', '0']] })).toThrow(InvalidVerificationKeyError)
    expect(() => encodePlonkVerificationKey({ ...vkey, X_2: [['1', '2'], ['3', '4']] })).toThrow(InvalidVerificationKeyError)
    expect(() => encodePlonkVerificationKey({ ...vkey, protocol: 'groth16' as 'plonk' })).toThrow(InvalidVerificationKeyError)
  })

  test('rejects bytes that are not a key', () => {
    const bytes = encodePlonkVerificationKey(vkey)
    expect(() => decodePlonkVerificationKey(`${bytes}00`)).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyBytesError: The bytes 0x0000000000...6f792f2900 are not a PLONK verification key: 801 bytes, expected 800 (25 words of 32 bytes).

      Details: Read the key from the registry (the key contract's code without its leading 0x00 byte) or encode it again from verification_key.json.]
    `)
    expect(() => decodePlonkVerificationKey('0x0')).toThrow(InvalidVerificationKeyBytesError)
    const withPower = (power: bigint) => `0x${numberToHex(power, { size: 32 }).slice(2)}${bytes.slice(66)}` as Hex
    expect(() => decodePlonkVerificationKey(withPower(0n))).toThrow(InvalidVerificationKeyError)
    expect(() => decodePlonkVerificationKey(withPower(29n))).toThrow(InvalidVerificationKeyError)
    expect(decodePlonkVerificationKey(withPower(28n)).power).toBe(28)
    const qmYPlusOne = `${bytes.slice(0, 2 + 6 * 64)}${numberToHex(BigInt(vkey.Qm[1] as string) + 1n, { size: 32 }).slice(2)}${bytes.slice(2 + 7 * 64)}` as Hex
    expect(() => decodePlonkVerificationKey(qmYPlusOne)).toThrowErrorMatchingInlineSnapshot(`
      [InvalidVerificationKeyError: The PLONK verification key's Qm (["10412586210966483075475558017347158765532843289250140002854665404400646066324","4655918630701851806799260872090001361298550035116082042659755284690610139920"]) is invalid: it is not on the curve y^2 = x^3 + 3.

      Details: Pass the verification_key.json that snarkjs exported for the circuit (snarkjs zkey export verificationkey).]
    `)
  })
})

describe('the proof encoding', () => {
  const proof = square.proof

  test('rejects a proof the verifier would reject by its form, naming the field and value', () => {
    expect(() => encodePlonkProof({ ...proof, eval_a: SCALAR_FIELD.toString() })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidProofFieldError: The PLONK proof's eval_a ("21888242871839275222246405745257275088548364400416034343698204186575808495617") is invalid: it is not below BN254's scalar field modulus r.

      Details: Pass the proof object that snarkjs produced (proof.json, or the \`proof\` of fullProve).]
    `)
    expect(() => encodePlonkProof({ ...proof, A: [proof.A[0] as string, BASE_FIELD.toString(), '1'] })).toThrow(InvalidProofFieldError)
    expect(() => encodePlonkProof({ ...proof, Z: ['0', '1', '0'] })).toThrowErrorMatchingInlineSnapshot(`
      [InvalidProofFieldError: The PLONK proof's Z (["0","1","0"]) is invalid: the verifier takes no commitment at infinity.

      Details: Pass the proof object that snarkjs produced (proof.json, or the \`proof\` of fullProve).]
    `)
    expect(() => encodePlonkProof({ ...proof, eval_zw: '-1' })).toThrow(InvalidProofFieldError)
    expect(() => encodePlonkProof({ ...proof, Wxi: [proof.Wxi[0] as string, '1', '1'] })).toThrow(InvalidProofFieldError)
  })

  test('rejects bytes that are not a proof', () => {
    expect(() => decodePlonkProof(sliceHex(square.encodedProof, 0, 767))).toThrowErrorMatchingInlineSnapshot(`
      [InvalidProofBytesError: The bytes 0x0400ae2d92...942a55686e are not a PLONK proof: 767 bytes, expected 768 (24 words of 32 bytes).

      Details: Pass the proof bytes as fulfilWithProof sends them, or encode them again from the snarkjs proof.]
    `)
    const evalAOutOfField = `${square.encodedProof.slice(0, 2 + 18 * 64)}${numberToHex(SCALAR_FIELD, { size: 32 }).slice(2)}${square.encodedProof.slice(2 + 19 * 64)}` as Hex
    expect(() => decodePlonkProof(evalAOutOfField)).toThrow(InvalidProofFieldError)
    expect(() => decodePlonkProof('0xzz' as Hex)).toThrow(InvalidProofBytesError)
  })
})
