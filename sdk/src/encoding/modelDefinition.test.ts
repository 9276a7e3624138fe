import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { keccak256, stringToBytes, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { computeDefinitionHash, computeModelId, type ModelDefinition } from './modelDefinition.js'
import { findKnownPtau, KNOWN_PTAU_FILES, ptauRecordHash } from './knownCeremonies.js'

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../contracts/test/fixtures/square/fixture.json'), 'utf8')) as { verificationKey: Hex }

/** The square fixture's definition, as contracts/test/ModelRegistry.t.sol registers it. */
const square: ModelDefinition = {
  onnxHash: keccak256(stringToBytes('square.onnx')),
  quantizationHash: keccak256(stringToBytes('square.quantization')),
  parameters: { root: keccak256(stringToBytes('square.parameters')), stages: 2 },
  proofSystem: 'groth16',
  verificationKeyHash: keccak256(fixture.verificationKey),
  input: { values: 1, bits: 16, private: false },
  output: { values: 1, bits: 32 },
  setup: { ptauHash: '0xeeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4', contributions: 3, insecure: false },
}

describe('model definition', () => {
  test('hashes to the vector ModelRegistry.computeDefinitionHash gives (asserted in ModelRegistry.t.sol)', () => {
    expect(computeDefinitionHash(square)).toBe('0xebe011e931a690b56d338e939d6c13df326e033450f4ecab8fb83c569178826c')
  })

  test('any change to a field gives a new hash; the owner gives a new id', () => {
    const base = computeDefinitionHash(square)
    const changes: Partial<ModelDefinition>[] = [
      { onnxHash: keccak256('0x01') },
      { quantizationHash: keccak256('0x01') },
      { proofSystem: 'plonk' },
      { verificationKeyHash: keccak256('0x01') },
      { input: { values: 2, bits: 16, private: false } },
      { input: { values: 1, bits: 15, private: false } },
      { input: { values: 1, bits: 16, private: true } },
      { output: { values: 2, bits: 32 } },
      { output: { values: 1, bits: 31 } },
      { setup: { ...square.setup, ptauHash: keccak256('0x01') } },
      { setup: { ...square.setup, contributions: 4 } },
      { setup: { ...square.setup, insecure: true } },
    ]
    const hashes = changes.map((change) => computeDefinitionHash({ ...square, ...change }))
    expect(new Set([base, ...hashes]).size).toBe(changes.length + 1)
    expect(computeModelId(base, '0x0000000000000000000000000000000000000001')).not.toBe(computeModelId(base, '0x0000000000000000000000000000000000000002'))
  })

  test('the known ceremony table matches the list in contracts/src/libraries/KnownCeremonies.sol', () => {
    const solidity = readFileSync(join(import.meta.dirname, '../../../contracts/src/libraries/KnownCeremonies.sol'), 'utf8')
    const listed = [...solidity.matchAll(/ptauHash == (0x[0-9a-f]{64});? \/\/ power (\d+)/g)].map((m) => ({ hash: m[1], power: Number(m[2]) }))
    expect(listed).toEqual(KNOWN_PTAU_FILES.map((file) => ({ hash: ptauRecordHash(file.blake2b), power: file.power })))
    expect(findKnownPtau(KNOWN_PTAU_FILES[6]!.blake2b)?.file).toBe('powersOfTau28_hez_final_14.ptau')
    expect(findKnownPtau(keccak256('0x01'))).toBeUndefined()
  })
})
