import { parseEventLogs } from 'viem'
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  digitConsumerAbi,
  encodeInput,
  fulfillWithProof,
  getResult,
  inferenceOracleAbi,
  InvalidProofError,
  RequestExpiredError,
  requestInference,
  RequestNotPendingError,
  ResultNotFinalError,
  type VeridictClient,
  type VeridictManifest,
  waitForResult,
  WaitForResultTimeoutError,
  withdraw,
} from '@veridict/sdk'
import { proveLocally } from '@veridict/sdk/prover'
import { verifyResultOffchain } from '@veridict/sdk/verify'
import { MODEL_FEE, setupFixture, type Fixture } from './utils/sdkFixture.js'

describe('@veridict/sdk/prover: a request no operator serves, proved locally and fulfilled', () => {
  let f: Fixture
  let user: VeridictClient
  let manifest: VeridictManifest

  beforeAll(async () => {
    f = await setupFixture()
    user = f.client(4)
    manifest = f.manifest as VeridictManifest
  })

  afterAll(async () => {
    await f?.stop()
  })

  test('a dApp consumer request gets its callback after the user proves and fulfils it', async () => {
    const sample = 3
    const { words } = encodeInput({ manifest, values: f.testset.inputs[sample]! })
    const wallet = user.walletClient!
    const { request } = await simulateContract(user.publicClient, {
      account: wallet.account!,
      address: f.consumer,
      abi: digitConsumerAbi,
      functionName: 'classify',
      args: [words, BigInt(Math.floor(Date.now() / 1000) + 3600), 0n],
      value: MODEL_FEE,
    })
    const receipt = await waitForTransactionReceipt(user.publicClient, { hash: await writeContract(wallet, request) })
    const [requested] = parseEventLogs({ abi: inferenceOracleAbi, logs: receipt.logs, eventName: 'InferenceRequested' })
    const requestId = requested!.args.requestId

    // No node serves it.
    await expect(waitForResult(user, { requestId, timeout: 300 })).rejects.toThrow(WaitForResultTimeoutError)
    await expect(getResult(user, { requestId })).rejects.toThrow(ResultNotFinalError)

    const proved = await proveLocally(user, { requestId, dir: f.modelDir })
    expect(proved.inputWords).toEqual(words)
    const wrongOutput = [proved.outputWords[0]! + 1n, ...proved.outputWords.slice(1)]
    await expect(fulfillWithProof(user, { ...proved, outputWords: wrongOutput })).rejects.toThrow(InvalidProofError)

    await fulfillWithProof(user, proved)
    const result = await getResult(user, { requestId })
    expect(result).toMatchObject({ requestId, status: 'fulfilled', finality: 'final', mode: 'zk', outputWords: proved.outputWords, callbackFailed: false })
    expect(result.fulfilment).toMatchObject({ kind: 'proof', disputed: false, fulfiller: f.account(4).address, proof: proved.proofBytes })

    const [known, digit] = await readContract(user.publicClient, { address: f.consumer, abi: digitConsumerAbi, functionName: 'digitOf', args: [requestId] })
    expect(known).toBe(true)
    expect(digit).toBe(result.output!.class)
    expect(digit).toBe(f.testset.labels[sample])

    expect(await verifyResultOffchain(user, { result })).toEqual({ kind: 'proof', valid: true, reason: undefined })
    const tampered = { ...result, outputWords: wrongOutput }
    expect(await verifyResultOffchain(user, { result: tampered })).toMatchObject({ kind: 'proof', valid: false })

    await expect(fulfillWithProof(user, proved)).rejects.toThrow(RequestNotPendingError)
    const { amount } = await withdraw(user)
    expect(amount).toBe(MODEL_FEE)
  })

  test('a proof after the deadline is refused with RequestExpiredError', async () => {
    const { requestId } = await requestInference(user, { modelId: f.modelId, values: f.testset.inputs[1]!, ttl: 20 })
    const proved = await proveLocally(user, { requestId, dir: f.modelDir })
    await f.increaseTime(60n)
    const error = await fulfillWithProof(user, proved).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RequestExpiredError)
    expect((error as RequestExpiredError).requestId).toBe(requestId)
  })
})
