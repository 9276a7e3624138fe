import { encodeAbiParameters, keccak256, recoverTypedDataAddress, toBytes, type Address, type Hex, type LocalAccount } from 'viem'
import { attestationBatchTypes, attestationTypes, attestationTypeString, eip712DomainName, eip712DomainVersion } from '../../../sdk/src/abi/eip712.js'

/** The EIP-712 message operators sign (IInferenceOracle.Attestation). Off-chain attestations use requestId 0. */
export type Attestation = { requestId: bigint; modelId: Hex; inputHash: Hex; outputHash: Hex }

export type AttestationDomain = { chainId: number; oracle: Address }

const ATTESTATION_TYPEHASH = keccak256(toBytes(attestationTypeString))

const domainOf = (domain: AttestationDomain) => ({ name: eip712DomainName, version: eip712DomainVersion, chainId: domain.chainId, verifyingContract: domain.oracle }) as const

const typedData = (domain: AttestationDomain, message: Attestation) => ({ domain: domainOf(domain), types: attestationTypes, primaryType: 'Attestation', message }) as const

const batchTypedData = (domain: AttestationDomain, attestations: readonly Attestation[]) =>
  ({ domain: domainOf(domain), types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { attestations: [...attestations] } }) as const

/** Signs one attestation alone (off-chain attestations, requestId 0). */
export function signAttestation(account: LocalAccount, domain: AttestationDomain, attestation: Attestation): Promise<Hex> {
  return account.signTypedData(typedData(domain, attestation))
}

/** The address that signed `attestation` alone. */
export function recoverAttestationSigner(domain: AttestationDomain, attestation: Attestation, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...typedData(domain, attestation), signature })
}

/** Signs a batch of attestations: what submitAttestations checks (a single request is a batch of one). */
export function signAttestationBatch(account: LocalAccount, domain: AttestationDomain, attestations: readonly Attestation[]): Promise<Hex> {
  return account.signTypedData(batchTypedData(domain, attestations))
}

/** The address that signed the batch `attestations`. */
export function recoverBatchSigner(domain: AttestationDomain, attestations: readonly Attestation[], signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...batchTypedData(domain, attestations), signature })
}

/** The EIP-712 struct hash of one attestation, as a batch lists it (SignedAttestation.batch). */
export function attestationStructHash(a: Attestation): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [ATTESTATION_TYPEHASH, a.requestId, a.modelId, a.inputHash, a.outputHash],
    ),
  )
}
