import { recoverTypedDataAddress, type Address, type Hex, type LocalAccount } from 'viem'
import { attestationTypes, eip712DomainName, eip712DomainVersion } from '../../../sdk/src/abi/eip712.js'

/** The EIP-712 message operators sign (IInferenceOracle.Attestation). Off-chain attestations use requestId 0. */
export type Attestation = { requestId: bigint; modelId: Hex; inputHash: Hex; outputHash: Hex }

export type AttestationDomain = { chainId: number; oracle: Address }

const typedData = (domain: AttestationDomain, message: Attestation) =>
  ({
    domain: { name: eip712DomainName, version: eip712DomainVersion, chainId: domain.chainId, verifyingContract: domain.oracle },
    types: attestationTypes,
    primaryType: 'Attestation',
    message,
  }) as const

/** Signs an attestation with the operator's key (a 65-byte signature, as submitAttestations takes). */
export function signAttestation(account: LocalAccount, domain: AttestationDomain, attestation: Attestation): Promise<Hex> {
  return account.signTypedData(typedData(domain, attestation))
}

/** The address that signed `attestation`. */
export function recoverAttestationSigner(domain: AttestationDomain, attestation: Attestation, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...typedData(domain, attestation), signature })
}
