import { hashTypedData, recoverTypedDataAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { attestationBatchTypes, eip712DomainName, eip712DomainVersion } from '@veridict/sdk'
import { attestationStructHash, batchDigest, recoverBatchHashesSigner, signBatchHashes, type Attestation } from './attestation.js'

const domain = { chainId: 31337, oracle: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const }
const typed = (attestations: Attestation[]) =>
  ({ domain: { name: eip712DomainName, version: eip712DomainVersion, chainId: domain.chainId, verifyingContract: domain.oracle }, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { attestations } }) as const
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hex
const batch = (n: number): Attestation[] => Array.from({ length: n }, (_, i) => ({ requestId: BigInt(i + 1), modelId: hash(7), inputHash: hash(100 + i), outputHash: hash(200 + i), traceRoot: hash(300 + i) }))

describe('batch digests from struct hashes', () => {
  it.each([1, 2, 33])('equal viem hashTypedData for a batch of %i', (n) => {
    const attestations = batch(n)
    expect(batchDigest(domain, attestations.map(attestationStructHash))).toBe(hashTypedData(typed(attestations)))
  })

  it('sign and recover as signTypedData / recoverTypedDataAddress do', async () => {
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
    const attestations = batch(5)
    const signature = await signBatchHashes(account, domain, attestations.map(attestationStructHash))
    expect(signature).toBe(await account.signTypedData(typed(attestations)))
    expect(await recoverTypedDataAddress({ ...typed(attestations), signature })).toBe(account.address)
    expect(await recoverBatchHashesSigner(domain, attestations.map(attestationStructHash), signature)).toBe(account.address)
    // Another order is another batch.
    expect(await recoverBatchHashesSigner(domain, attestations.map(attestationStructHash).reverse(), signature)).not.toBe(account.address)
  })
})
