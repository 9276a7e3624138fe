/**
 * `@veridict/sdk/verify`: off-chain verification of results. Checking a Groth16 proof needs
 * snarkjs (browser and Node), so it lives apart from the plain entry point.
 */
export { verifyResultOffchain, type VerifyResultOffchainParameters, type VerifyResultOffchainReturnType } from './verifyResultOffchain.js'
