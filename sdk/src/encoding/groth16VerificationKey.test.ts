import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as snarkjs from 'snarkjs'
import { describe, expect, test } from 'vitest'
import { InvalidVerificationKeyError } from '../errors/verificationKey.js'
import { decodeGroth16VerificationKey, encodeGroth16VerificationKey, type Groth16VerificationKey } from './groth16VerificationKey.js'

const dir = join(import.meta.dirname, '../../../contracts/test/fixtures/square')
const read = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown
const vkey = read('verification_key.json') as Groth16VerificationKey
const fixture = read('fixture.json') as { verificationKey: string }

describe('Groth16 verification key encoding', () => {
  test('encodes the fixture key to the bytes the contract tests store', () => {
    expect(encodeGroth16VerificationKey(vkey)).toBe(fixture.verificationKey)
  })

  test('decodes to a key snarkjs verifies the fixture proof with, and not a changed signal', async () => {
    const decoded = decodeGroth16VerificationKey(encodeGroth16VerificationKey(vkey))
    for (const field of ['nPublic', 'vk_alpha_1', 'vk_beta_2', 'vk_gamma_2', 'vk_delta_2', 'IC'] as const) expect(decoded[field]).toEqual(vkey[field])
    const proof = read('proof.json')
    const signals = read('public.json') as string[]
    const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
    expect(await snarkjs.groth16.verify(decoded as never, signals, proof as never, silent)).toBe(true)
    expect(await snarkjs.groth16.verify(decoded as never, [signals[0]!, '53', signals[2]!], proof as never, silent)).toBe(false)
    expect(await snarkjs.groth16.verify(decoded as never, [signals[0]!, signals[1]!, '1'], proof as never, silent)).toBe(false)
  })

  test('refuses keys that are not bn128 Groth16 keys, naming what is wrong', () => {
    expect(() => encodeGroth16VerificationKey({ ...vkey, protocol: 'plonk' as never })).toThrow(/protocol \("plonk"\) is invalid: it must be "groth16"/)
    expect(() => encodeGroth16VerificationKey({ ...vkey, nPublic: 4 })).toThrow(/IC \(4\) is invalid: it needs nPublic \+ 1 = 5 points/)
    expect(() => encodeGroth16VerificationKey({ ...vkey, vk_alpha_1: ['1', 'x', '1'] })).toThrow(InvalidVerificationKeyError)
    expect(() => encodeGroth16VerificationKey({ ...vkey, vk_alpha_1: ['21888242871839275222246405745257275088696311157297823662689037894645226208583', '1', '1'] })).toThrow(/outside the base field/)
    expect(() => decodeGroth16VerificationKey('0x1234')).toThrow(/2 bytes is not 14 words/)
  })
})
