import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { encodeAbiParameters, hashStruct, hashTypedData, keccak256, toHex, zeroAddress } from 'viem'
import { beforeAll, describe, expect, test } from 'vitest'

import { ABI_DIR, renderAbiFiles } from '../../../scripts/exportAbi.js'
import { attestationTypeString, attestationTypes, eip712DomainName, eip712DomainVersion } from './eip712.js'

describe('sdk/src/abi', () => {
  let files: Map<string, string>

  beforeAll(() => {
    files = renderAbiFiles({ rebuild: true })
  })

  test('every generated file matches the forge artifacts (run `npm run abi` if this fails)', () => {
    for (const [name, content] of files) {
      expect(readFileSync(join(ABI_DIR, name), 'utf8'), name).toBe(content)
    }
  })

  test('holds no generated file the contracts no longer produce', () => {
    const onDisk = readdirSync(ABI_DIR).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    expect(onDisk.sort()).toEqual([...files.keys()].sort())
  })

  test('viem hashes an attestation as the contract does', () => {
    const attestation = {
      requestId: 7n,
      modelId: keccak256(toHex('model')),
      inputHash: keccak256(toHex('input')),
      outputHash: keccak256(toHex('output')),
      traceRoot: keccak256(toHex('trace')),
    }
    const typeHash = keccak256(toHex(attestationTypeString))
    const structHash = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
        [typeHash, attestation.requestId, attestation.modelId, attestation.inputHash, attestation.outputHash, attestation.traceRoot],
      ),
    )
    expect(hashStruct({ data: attestation, primaryType: 'Attestation', types: attestationTypes })).toBe(structHash)
    const digest = hashTypedData({
      domain: { name: eip712DomainName, version: eip712DomainVersion, chainId: 31337, verifyingContract: zeroAddress },
      types: attestationTypes,
      primaryType: 'Attestation',
      message: attestation,
    })
    expect(digest).toMatch(/^0x[0-9a-f]{64}$/)
  })
})
