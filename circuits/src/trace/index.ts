export { continueTrace, runTrace } from '../reference/runReference.js'
export { encodeHeader, encodeRow, type HeaderFields } from './abi.js'
export {
  checkTrace,
  parametersCommitment,
  stageHeader,
  stageHeaderFields,
  stageRow,
  tensorBits,
  tensorLeaves,
  tensorSizes,
  traceCommitment,
  type ParametersCommitment,
  type TraceCommitment,
} from './commitments.js'
export { hashPair, keccak } from './keccak.js'
export { MerkleTree, merkleDepth, merkleProof, merkleRoot, verifyMerkleProof, type Bytes32 } from './merkle.js'
export { ELEMENTWISE_CODES, oneStepFromBytes, oneStepValue, roundShift, verifyOneStep, type OneStepClaim } from './oneStep.js'
export { GAME_PHASES, gameSide, MAX_REVEAL_LEVELS, needsFirstNodes, nextMove, openTensorArgs, revealNodes, stepArgs, timeoutWinner, type GameMove, type GamePhase, type GamePosition, type GameRole, type GameSide, type GameState } from './game.js'
export { encodeStepInput, locatePosition, STEP_INPUT_ABI, stepInput, stepInputTuple, stepValues, type StepInput, type StepValues, type TensorOpening, type WordOpening } from './stepInput.js'
