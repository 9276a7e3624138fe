import { type Account, type Address, encodeFunctionData, type Hex, zeroAddress } from 'viem'
import { estimateContractGas, getBlock, getGasPrice, readContract } from 'viem/actions'
import { inferenceOracleAbi } from '../abi/inferenceOracleAbi.js'
import type { VeridictClient } from '../client/createVeridictClient.js'
import type { InferenceMode } from '../types.js'
import { NO_ATTESTATION, type RequestCommitment } from '../utils/requestState.js'
import { modeValue } from '../utils/status.js'
import { getModel } from './getModel.js'
import { DEFAULT_CALLBACK_GAS_LIMIT, DEFAULT_REQUEST_TTL } from './requestInference.js'

/**
 * Gas model of fulfilment, fitted to receipts on anvil (digits model, 8 public signals: proof
 * 329k; quorum-2 attestation 124k + finalize 64k). test/sdkActions.test.ts keeps it within 25%.
 */
const GAS = {
  transaction: 21_000n,
  /** snarkjs Groth16 verifier: pairing check plus one scalar multiplication per public signal. */
  groth16Base: 207_000n,
  groth16PerSignal: 7_000n,
  /** Oracle bookkeeping of fulfillWithProof besides the verifier: request read, status, balance, event. */
  fulfilBase: 45_000n,
  /** submitAttestations of one request: the request's word rewritten, event. */
  attestBase: 40_000n,
  /** Per signer: ecrecover, stake lock, committee seat check and index packing. */
  attestPerSigner: 12_000n,
  /** finalize: fee credited through staking, status, event. */
  finalizeBase: 35_000n,
  finalizePerSigner: 8_000n,
  /** Calling the consumer, on top of the gas it is given. */
  callbackOverhead: 10_000n,
} as const

/** Proving speed assumed for the ZK latency estimate (constraints per second, one core, snarkjs). */
const PROVING_CONSTRAINTS_PER_SECOND = 20_000

export type QuoteParameters = {
  modelId: Hex
  /** Signatures an attested request would need (default 1). */
  quorum?: number | undefined
  /** Gas the callback would get (default 200,000 with a callback, 0 without). */
  callbackGasLimit?: number | undefined
  callback?: Address | undefined
  /** Packed input words: lets the node estimate requestInference's gas exactly. */
  inputWords?: readonly bigint[] | undefined
  /** Estimates the request's gas as this sender (default: the wallet client's account, if any). */
  account?: Account | Address | undefined
}

/** What one mode costs and how long it takes. */
export type ModeQuote = {
  /** Gas of delivering the result: fulfillWithProof, or submitAttestations + finalize. */
  fulfilmentGas: bigint
  /** Gas the consumer callback may use plus the cost of calling it (0 without a callback). */
  callbackGas: bigint
  /** Expected seconds from the request to a final result. */
  latency: { seconds: number; description: string }
}

export type QuoteReturnType = {
  modelId: Hex
  /** The model's fee in wei: what requestInference pays by default. */
  fee: bigint
  gasPrice: bigint
  /** Gas of the requestInference transaction. */
  requestGas: bigint
  /** Whether requestGas was estimated by the node (else from the input size). */
  requestGasEstimated: boolean
  /** Fee plus the request's gas at gasPrice: what the requester spends. */
  requestCost: bigint
  /** Per mode the model supports. */
  modes: Partial<Record<InferenceMode, ModeQuote>>
}

/**
 * Quotes a request: the model's fee, the gas of the request, of its fulfilment and of the
 * callback, and the expected latency per mode (ZK: proving time from the circuit size plus a
 * block; attested: inference plus the challenge window).
 *
 * @example
 * import { quote } from '@veridict/sdk'
 *
 * const { fee, requestCost, modes } = await quote(veridict, { modelId, callback, callbackGasLimit: 100_000 })
 * console.log(fee, modes.zk?.latency.seconds, modes.attested?.fulfilmentGas)
 */
export async function quote(client: VeridictClient, parameters: QuoteParameters): Promise<QuoteReturnType> {
  const { modelId, quorum = 1, callback } = parameters
  const callbackGasLimit = callback ? (parameters.callbackGasLimit ?? DEFAULT_CALLBACK_GAS_LIMIT) : (parameters.callbackGasLimit ?? 0)
  const model = await getModel(client, { modelId })
  const manifest = client.manifests.get(modelId) ?? (await getModel(client, { modelId, manifest: true }).then((m) => m.manifest, () => undefined))
  const [gasPrice, challengeWindow, latest] = await Promise.all([
    getGasPrice(client.publicClient),
    readContract(client.publicClient, { address: client.deployment.oracle, abi: inferenceOracleAbi, functionName: 'CHALLENGE_WINDOW' }),
    getBlock(client.publicClient),
  ])
  const blockTime = await averageBlockTime(client, latest.number, latest.timestamp)
  const inputWords = parameters.inputWords ?? Array.from({ length: model.input.words }, () => (1n << 247n) - 1n)
  const outputWords = Array.from({ length: model.output.words }, () => (1n << 247n) - 1n)
  const mode = model.modes[0]!

  let requestGas: bigint | undefined
  const account = parameters.account ?? client.walletClient?.account
  if (account && parameters.inputWords) {
    requestGas = await estimateContractGas(client.publicClient, {
      account,
      address: client.deployment.oracle,
      abi: inferenceOracleAbi,
      functionName: 'requestInference',
      args: [
        modelId,
        [...inputWords],
        {
          mode: modeValue(mode),
          quorum: mode === 'zk' ? 0 : quorum,
          callback: callback ?? zeroAddress,
          callbackGasLimit: callback ? callbackGasLimit : 0,
          callbackGasPrice: 0n,
          deadline: latest.timestamp + BigInt(DEFAULT_REQUEST_TTL),
          valueAtRisk: 0n,
          payer: zeroAddress,
        },
      ],
      value: model.fee,
    }).catch(() => undefined)
  }
  const requestGasEstimated = requestGas !== undefined
  requestGas ??= GAS.transaction + calldataGas(
    encodeFunctionData({
      abi: inferenceOracleAbi,
      functionName: 'requestInference',
      args: [modelId, [...inputWords], { mode: 0, quorum: 0, callback: zeroAddress, callbackGasLimit: 0, callbackGasPrice: 0n, deadline: 0n, valueAtRisk: 0n, payer: zeroAddress }],
    }),
  ) + 60_000n + 5_000n * BigInt(inputWords.length)

  const callbackGas = callbackGasLimit > 0 ? BigInt(callbackGasLimit) + GAS.callbackOverhead : 0n
  const modes: Partial<Record<InferenceMode, ModeQuote>> = {}
  if (model.modes.includes('zk')) {
    const signals = BigInt(model.input.words + model.output.words + 1)
    const calldata = calldataGas(
      encodeFunctionData({
        abi: inferenceOracleAbi,
        functionName: 'fulfillWithProof',
        args: [sampleCommitment(modelId), NO_ATTESTATION, [...inputWords], outputWords, `0x${'ff'.repeat(20)}`, `0x${'ff'.repeat(256)}`],
      }),
    )
    const proving = 1 + (manifest?.circuit?.constraints ?? 100_000) / PROVING_CONSTRAINTS_PER_SECOND
    modes.zk = {
      fulfilmentGas: GAS.transaction + calldata + GAS.fulfilBase + GAS.groth16Base + GAS.groth16PerSignal * signals,
      callbackGas,
      latency: { seconds: round(blockTime + proving + blockTime), description: `a block for the request, ~${round(proving)} s of proving${manifest ? '' : ' (circuit size unknown: manifest not loaded)'}, a block for the proof; final at once` },
    }
  }
  const signers = BigInt(quorum)
  const signature = `0x${'ff'.repeat(65)}` as const
  const submitCalldata = calldataGas(
    encodeFunctionData({
      abi: inferenceOracleAbi,
      functionName: 'submitAttestations',
      args: [[{ request: sampleCommitment(modelId), outputWords, traceRoot: `0x${'ff'.repeat(32)}` }], Array.from({ length: quorum }, () => signature)],
    }),
  )
  modes.attested = {
    fulfilmentGas:
      GAS.transaction * 2n + submitCalldata + GAS.attestBase + GAS.attestPerSigner * signers + GAS.finalizeBase + GAS.finalizePerSigner * signers,
    callbackGas,
    latency: {
      seconds: round(blockTime * 3 + 1 + Number(challengeWindow)),
      description: `a block for the request, ~1 s of inference and signing, a block for the attestation, the ${challengeWindow} s challenge window, a block to finalize`,
    },
  }
  return { modelId, fee: model.fee, gasPrice, requestGas, requestGasEstimated, requestCost: model.fee + requestGas * gasPrice, modes }
}

/** A Request struct of typical size, for calldata estimates (its values are not sent anywhere). */
function sampleCommitment(modelId: Hex): RequestCommitment {
  const word = `0x${'ff'.repeat(32)}` as const
  return {
    id: 1_000_000n,
    modelId,
    inputHash: word,
    requester: `0x${'ff'.repeat(20)}`,
    payer: `0x${'ff'.repeat(20)}`,
    fee: 10n ** 16n,
    callback: `0x${'ff'.repeat(20)}`,
    callbackGasLimit: 200_000,
    callbackGasPrice: 10n ** 9n,
    deadline: 2_000_000_000,
    mode: 1,
    quorum: 3,
    provable: true,
    modelIndex: 10,
    outputValues: 10,
    outputBits: 16,
    blockNumber: 20_000_000n,
    valueAtRisk: 10n ** 16n,
    totalWeight: 10n ** 21n,
  }
}

/** EIP-2028 calldata gas: 16 per non-zero byte, 4 per zero byte. */
function calldataGas(data: Hex): bigint {
  let gas = 0n
  for (let i = 2; i < data.length; i += 2) gas += data.slice(i, i + 2) === '00' ? 4n : 16n
  return gas
}

/** Mean seconds per block over the last 100 blocks (1 s when the chain is younger or mines on demand). */
async function averageBlockTime(client: VeridictClient, latest: bigint, timestamp: bigint): Promise<number> {
  const span = latest < 100n ? latest : 100n
  if (span === 0n) return 1
  const earlier = await getBlock(client.publicClient, { blockNumber: latest - span })
  return Math.max(1, Number(timestamp - earlier.timestamp) / Number(span))
}

const round = (x: number) => Math.round(x * 10) / 10
