import type { Address, Hash, Hex } from 'viem'
import type { SetupRecord } from './encoding/modelDefinition.js'

/** How a request is served: `zk` by a proof only (final at once), `attested` by operator signatures (final after a challenge window) or a proof. */
export type InferenceMode = 'zk' | 'attested'

/** A request's state on the oracle, as the contract's Status enum. */
export type RequestStatus = 'requested' | 'attested' | 'fulfilled' | 'finalized' | 'refunded'

/** Where the Veridict contracts live. `fromBlock` (the deployment block) bounds event searches. */
export type VeridictDeployment = {
  chainId: number
  oracle: Address
  registry: Address
  staking: Address
  /** The oracle's trace games (TraceDisputes); read from the oracle when absent. */
  traceDisputes?: Address | undefined
  fromBlock?: bigint | undefined
}

/** How a tensor is quantized and packed (the manifest's input or output layout). */
export type TensorLayout = {
  shape: readonly number[]
  count: number
  /** Fixed-point exponent: real value = q / 2^scale. */
  scale: number
  bits: number
  valuesPerWord: number
  words: number
}

/**
 * The part of a compiled model's manifest.json the SDK reads (the circuits package writes the
 * full file). Any manifest.json of `@veridict/circuits` fits this type.
 */
export type VeridictManifest = {
  format: string
  name: string
  /** What the registry hashes into the model's definition hash (with the owner, into its id); undefined until set up. */
  definitionHash: Hex | undefined
  input: TensorLayout
  output: TensorLayout & { kind: 'class-index' | 'values' }
  circuit?: { constraints: number; publicInputs: number } | undefined
  setup?:
    | {
        protocol: 'groth16' | 'plonk'
        insecure: boolean
        verificationKeyHash: Hex
        record: SetupRecord
        ptau: { blake2b: Hex; power: number; kind: 'known' | 'dev' | 'unlisted'; ceremony: string }
      }
    | undefined
  artifacts: { vkey?: string | undefined; [name: string]: string | undefined }
}

/** A snarkjs Groth16 proof (strings of decimal field elements). */
export type Groth16Proof = {
  pi_a: readonly string[]
  pi_b: readonly (readonly string[])[]
  pi_c: readonly string[]
  protocol?: string | undefined
  curve?: string | undefined
}

/** A Groth16 proof in the order the Solidity verifier takes it (pB's coordinates swapped). */
export type SolidityGroth16Proof = {
  a: readonly [bigint, bigint]
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]]
  c: readonly [bigint, bigint]
}

/** How a result was delivered. */
export type ResultFulfilment =
  | {
      kind: 'proof'
      fulfiller: Address
      /** Whether the proof overturned an attested output (disputeWithProof). */
      disputed: boolean
      /** The proof from the fulfilling transaction's calldata; undefined if it went through another contract. */
      proof: Hex | undefined
      transactionHash: Hash
      blockNumber: bigint
    }
  | {
      kind: 'attestation'
      submitter: Address
      signers: readonly Address[]
      /** The trace root the signers signed with the output (docs/disputes.md): what a trace dispute bisects. */
      traceRoot: Hex
      /** The 65-byte signatures from the submitting transaction's calldata; undefined if it went through another contract. */
      signatures: readonly Hex[] | undefined
      /** The batch of attestations the signatures are over (from the same calldata), this one among them. */
      batch: readonly { requestId: bigint; modelId: Hex; inputHash: Hex; outputHash: Hex; traceRoot: Hex }[] | undefined
      challengeEnd: bigint
      transactionHash: Hash
      blockNumber: bigint
    }
