import { keccak256, recoverTypedDataAddress, toBytes, type Address, type Hex, type LocalAccount } from 'viem'
import { eip712DomainName, eip712DomainVersion } from '@veridict/sdk'
import type { AttestationDomain } from './attestation.js'

/**
 * Calls to a node's peer API (POST /v1/attestations) are signed by the sending operator's key: an
 * EIP-712 PeerRequest over the body's hash and the time it was signed, in the protocol's domain
 * (this chain, this oracle). The receiver checks the signature, the time (within
 * PEER_SIGNATURE_MAX_AGE_S either way) and that the signer is an active operator before it reads
 * the body.
 */
export const PEER_HEADERS = { operator: 'x-veridict-operator', signedAt: 'x-veridict-signed-at', signature: 'x-veridict-signature' } as const

/** How far a peer request's signing time may be from the receiver's clock, in seconds. */
export const PEER_SIGNATURE_MAX_AGE_S = 120

export const peerRequestTypes = {
  PeerRequest: [
    { name: 'operator', type: 'address' },
    { name: 'bodyHash', type: 'bytes32' },
    { name: 'signedAt', type: 'uint64' },
  ],
} as const

const typedData = (domain: AttestationDomain, message: { operator: Address; bodyHash: Hex; signedAt: bigint }) =>
  ({ domain: { name: eip712DomainName, version: eip712DomainVersion, chainId: domain.chainId, verifyingContract: domain.oracle }, types: peerRequestTypes, primaryType: 'PeerRequest', message }) as const

/** The headers that sign `body` as `account`'s call to a peer. */
export async function signPeerRequest({ account, domain, body, now = Date.now() }: { account: LocalAccount; domain: AttestationDomain; body: string; now?: number }): Promise<Record<string, string>> {
  const signedAt = BigInt(Math.floor(now / 1000))
  const signature = await account.signTypedData(typedData(domain, { operator: account.address, bodyHash: keccak256(toBytes(body)), signedAt }))
  return { [PEER_HEADERS.operator]: account.address, [PEER_HEADERS.signedAt]: signedAt.toString(), [PEER_HEADERS.signature]: signature }
}

export type PeerAuthFailure = { status: 401 | 403; code: 'peer_auth_required' | 'peer_auth_invalid' | 'not_an_operator'; message: string }

/**
 * Checks a peer call's signature headers against its body; returns the signing operator, or why
 * the call is refused. `isActiveOperator` says whether an address may attest (registered, staked,
 * never slashed).
 */
export async function verifyPeerRequest({
  domain,
  headers,
  body,
  isActiveOperator,
  now = Date.now(),
}: {
  domain: AttestationDomain
  headers: (name: string) => string | undefined
  body: string
  isActiveOperator: (operator: Address) => Promise<boolean>
  now?: number
}): Promise<{ operator: Address } | PeerAuthFailure> {
  const operator = headers(PEER_HEADERS.operator)
  const signedAt = headers(PEER_HEADERS.signedAt)
  const signature = headers(PEER_HEADERS.signature)
  if (!operator || !signedAt || !signature)
    return { status: 401, code: 'peer_auth_required', message: `The peer API takes calls signed by an operator: send the ${Object.values(PEER_HEADERS).join(', ')} headers (an EIP-712 PeerRequest over the body's keccak256; docs/protocol.md).` }
  if (!/^0x[0-9a-fA-F]{40}$/.test(operator) || !/^\d{1,12}$/.test(signedAt) || !/^0x[0-9a-fA-F]{130}$/.test(signature)) return { status: 401, code: 'peer_auth_invalid', message: 'Malformed peer signature headers: an address, unix seconds and a 65-byte hex signature are expected.' }
  const age = Math.floor(now / 1000) - Number(signedAt)
  if (Math.abs(age) > PEER_SIGNATURE_MAX_AGE_S) return { status: 401, code: 'peer_auth_invalid', message: `The peer request was signed ${age} s from this node's clock (at most ${PEER_SIGNATURE_MAX_AGE_S} s either way): check both clocks.` }
  let signer: Address
  try {
    signer = await recoverTypedDataAddress({ ...typedData(domain, { operator: operator as Address, bodyHash: keccak256(toBytes(body)), signedAt: BigInt(signedAt) }), signature: signature as Hex })
  } catch {
    return { status: 401, code: 'peer_auth_invalid', message: 'The peer signature cannot be recovered.' }
  }
  if (signer.toLowerCase() !== operator.toLowerCase()) return { status: 401, code: 'peer_auth_invalid', message: `The peer signature is not ${operator}'s over this body (for this chain and oracle).` }
  if (!(await isActiveOperator(signer))) return { status: 403, code: 'not_an_operator', message: `${signer} is not an active operator (registered, staked at least MIN_STAKE, never slashed): only operators may call the peer API.` }
  return { operator: signer }
}
