import { concat, encodeAbiParameters, hashDomain, keccak256, recoverAddress, recoverTypedDataAddress, toBytes, type Address, type Hex, type LocalAccount } from 'viem'
import { attestationTypes, attestationTypeString, eip712DomainName, eip712DomainVersion } from '@veridict/sdk'

/**
 * The EIP-712 message operators sign (IInferenceOracle.Attestation): the output and the trace root
 * of the run that produced it (docs/disputes.md). Off-chain attestations use requestId 0.
 */
export type Attestation = { requestId: bigint; modelId: Hex; inputHash: Hex; outputHash: Hex; traceRoot: Hex }

export type AttestationDomain = { chainId: number; oracle: Address }

const ATTESTATION_TYPEHASH = keccak256(toBytes(attestationTypeString))
/** AttestationBatch(Attestation[] attestations) followed by the referenced type, as EIP-712 encodes it. */
const ATTESTATION_BATCH_TYPEHASH = keccak256(toBytes(`AttestationBatch(Attestation[] attestations)${attestationTypeString}`))

const domainOf = (domain: AttestationDomain) => ({ name: eip712DomainName, version: eip712DomainVersion, chainId: domain.chainId, verifyingContract: domain.oracle }) as const

const typedData = (domain: AttestationDomain, message: Attestation) => ({ domain: domainOf(domain), types: attestationTypes, primaryType: 'Attestation', message }) as const

/** Domain separators by chain and oracle (one per node, computed once). */
const separators = new Map<string, Hex>()
function domainSeparator(domain: AttestationDomain): Hex {
  const key = `${domain.chainId}:${domain.oracle.toLowerCase()}`
  let separator = separators.get(key)
  if (!separator) {
    separator = hashDomain({ domain: { ...domainOf(domain), chainId: BigInt(domain.chainId) }, types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }] } })
    separators.set(key, separator)
  }
  return separator
}

/** Signs one attestation alone (off-chain attestations, requestId 0). */
export function signAttestation(account: LocalAccount, domain: AttestationDomain, attestation: Attestation): Promise<Hex> {
  return account.signTypedData(typedData(domain, attestation))
}

/** The address that signed `attestation` alone. */
export function recoverAttestationSigner(domain: AttestationDomain, attestation: Attestation, signature: Hex): Promise<Address> {
  return recoverTypedDataAddress({ ...typedData(domain, attestation), signature })
}

/**
 * The EIP-712 digest of an AttestationBatch given its attestations' struct hashes, in order:
 * keccak256(0x1901 ‖ domainSeparator ‖ keccak256(BATCH_TYPEHASH ‖ keccak256(structHashes))). The
 * same digest viem's hashTypedData computes from the messages (a test checks it), but from hashes a
 * node computes once per request, so a batch of n costs one keccak over 32n bytes.
 */
export function batchDigest(domain: AttestationDomain, structHashes: readonly Hex[]): Hex {
  const message = keccak256(concat([ATTESTATION_BATCH_TYPEHASH, keccak256(concat([...structHashes]))]))
  return keccak256(concat(['0x1901', domainSeparator(domain), message]))
}

/** Signs a batch of attestations: what submitAttestations checks (a single request is a batch of one). */
export function signAttestationBatch(account: LocalAccount, domain: AttestationDomain, attestations: readonly Attestation[]): Promise<Hex> {
  return signBatchHashes(account, domain, attestations.map(attestationStructHash))
}

/** signAttestationBatch from the attestations' struct hashes. */
export function signBatchHashes(account: LocalAccount, domain: AttestationDomain, structHashes: readonly Hex[]): Promise<Hex> {
  if (!account.sign) throw new Error(`account ${account.address} cannot sign a raw digest`)
  return account.sign({ hash: batchDigest(domain, structHashes) })
}

/** The address that signed the batch `attestations`. */
export function recoverBatchSigner(domain: AttestationDomain, attestations: readonly Attestation[], signature: Hex): Promise<Address> {
  return recoverBatchHashesSigner(domain, attestations.map(attestationStructHash), signature)
}

/** recoverBatchSigner from the attestations' struct hashes. */
export function recoverBatchHashesSigner(domain: AttestationDomain, structHashes: readonly Hex[], signature: Hex): Promise<Address> {
  return recoverAddress({ hash: batchDigest(domain, structHashes), signature })
}

/** The EIP-712 struct hash of one attestation, as a batch lists it (SignedAttestation.batch). */
export function attestationStructHash(a: Attestation): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [ATTESTATION_TYPEHASH, a.requestId, a.modelId, a.inputHash, a.outputHash, a.traceRoot],
    ),
  )
}
