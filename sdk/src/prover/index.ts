/**
 * `@veridict/sdk/prover`: the escape hatch. Prove a request on your own machine and fulfil it (or
 * dispute a wrong attestation) when no operator serves you. Node only: it runs the circuits
 * package's prover (snarkjs in worker threads) on a compiled model folder.
 */
export { proveLocally, type ProveLocallyParameters, type ProveLocallyReturnType } from './proveLocally.js'
export { fulfillWithProof, type FulfillWithProofParameters, type FulfillWithProofReturnType } from '../actions/fulfillWithProof.js'
export { disputeWithProof, type DisputeWithProofParameters, type DisputeWithProofReturnType } from '../actions/disputeWithProof.js'
