import { createPublicClient, http, keccak256, parseEther, stringToHex, toHex } from 'viem'
import { waitForTransactionReceipt, writeContract } from 'viem/actions'
import { foundry, mainnet } from 'viem/chains'
import { afterAll, assert, beforeAll, describe, expect, test } from 'vitest'
import { loadCompiledModel, runReference } from '@veridict/circuits'
import {
  AccountNotFoundError,
  attestationBatchTypes,
  ChainMismatchError,
  createVeridictClient,
  decodeOutput,
  disputeWithProof,
  eip712DomainName,
  eip712DomainVersion,
  encodeInput,
  fulfillWithProof,
  getModel,
  getRequest,
  getResult,
  inferenceOracleAbi,
  InputOutOfRangeError,
  InputShapeMismatchError,
  InsufficientFeeError,
  listModels,
  ManifestMismatchError,
  ManifestNotFoundError,
  ModelNotFoundError,
  NotDisputableError,
  packValues,
  quote,
  refundExpired,
  RequestExpiredError,
  requestInference,
  RequestNotFoundError,
  RequestNotRefundableError,
  ResultNotFinalError,
  type VeridictClient,
  type VeridictManifest,
  verifyAttestation,
  waitForResult,
  watchResults,
} from '@veridict/sdk'
import { proveLocally } from '@veridict/sdk/prover'
import { verifyResultOffchain } from '@veridict/sdk/verify'
import { CHALLENGE_WINDOW, MODEL_FEE, setupFixture, type Fixture } from './utils/sdkFixture.js'

describe('@veridict/sdk actions on anvil with the real contracts and the digits model', () => {
  let f: Fixture
  let requester: VeridictClient
  let manifest: VeridictManifest
  let digit: number[]

  beforeAll(async () => {
    f = await setupFixture()
    requester = f.client(4)
    manifest = f.manifest as VeridictManifest
    digit = f.testset.inputs[0]!
  })

  afterAll(async () => {
    await f?.stop()
  })

  /**
   * Signs and submits an attestation of `outputWords` for `requestId` by the first `quorum`
   * operators, over a batch of one, once the request's committee is drawn (two blocks after the
   * request; with three equal stakes every operator holds a seat).
   */
  async function attest(requestId: bigint, inputWords: readonly bigint[], outputWords: readonly bigint[], quorum: number) {
    const hash = (words: readonly bigint[]) => keccak256(`0x${words.map((w) => w.toString(16).padStart(64, '0')).join('')}`)
    const { commitment } = await getRequest(f.client(5), { requestId })
    expect(commitment.inputHash).toBe(hash(inputWords))
    await f.client(5).publicClient.request({ method: 'anvil_mine' as never, params: ['0x2'] as never })
    // The trace root these signers claim for their run (what a trace dispute would bisect); the SDK reads it back.
    const traceRoot = keccak256(toHex(`sdk test trace of request ${requestId}`))
    const message = { requestId, modelId: f.modelId, inputHash: hash(inputWords), outputHash: hash(outputWords), traceRoot }
    const domain = { name: eip712DomainName, version: eip712DomainVersion, chainId: 31337, verifyingContract: f.deployment.contracts.inferenceOracle }
    const signers = f.operators.slice(0, quorum)
    const signatures = await Promise.all(
      signers.map((s) => s.signTypedData!({ domain, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { attestations: [message] } })),
    )
    const submitter = f.client(5)
    const hashTx = await writeContract(submitter.walletClient!, {
      address: f.deployment.contracts.inferenceOracle,
      abi: inferenceOracleAbi,
      functionName: 'submitAttestations',
      args: [[{ request: commitment, outputWords: [...outputWords], traceRoot }], signatures],
      chain: foundry,
      account: submitter.walletClient!.account!,
    })
    const receipt = await waitForTransactionReceipt(submitter.publicClient, { hash: hashTx })
    return { signatures, signers: signers.map((s) => s.address), gasUsed: receipt.gasUsed }
  }

  async function canonicalOutput(inputWords: readonly bigint[]): Promise<bigint[]> {
    const { model } = await loadCompiledModel(f.modelDir)
    const { quantized } = encodeInput({ manifest, values: digit })
    expect(packValues(quantized, manifest.input.bits)).toEqual(inputWords)
    return packValues(runReference(model, quantized), manifest.output.bits)
  }

  describe('createVeridictClient', () => {
    test('accepts the deployment JSON that deploy.ts writes', () => {
      const client = createVeridictClient({ publicClient: requester.publicClient, deployment: JSON.parse(JSON.stringify(f.deployment, (_, v) => (typeof v === 'bigint' ? v.toString() : v))) })
      expect(client.deployment).toEqual({
        chainId: 31337,
        oracle: f.deployment.contracts.inferenceOracle,
        registry: f.deployment.contracts.modelRegistry,
        staking: f.deployment.contracts.operatorStaking,
        traceDisputes: f.deployment.contracts.traceDisputes,
        fromBlock: f.deployment.deploymentBlock,
      })
    })

    test('rejects clients on another chain than the deployment', () => {
      const publicClient = createPublicClient({ chain: mainnet, transport: http(f.anvil.rpcUrl) })
      expect(() => createVeridictClient({ publicClient, deployment: requester.deployment })).toThrow(ChainMismatchError)
    })

    test('write actions without an account fail with AccountNotFoundError', async () => {
      const readOnly = createVeridictClient({ publicClient: requester.publicClient, deployment: requester.deployment })
      await expect(requestInference(readOnly, { modelId: f.modelId, values: digit })).rejects.toThrow(AccountNotFoundError)
    })
  })

  describe('getModel and listModels', () => {
    test('reads the registered terms and loads the manifest from the metadata URI', async () => {
      const model = await getModel(requester, { modelId: f.modelId, manifest: true })
      expect(model).toMatchObject({
        modelId: f.modelId,
        index: 1,
        status: 'active',
        fee: MODEL_FEE,
        modes: ['zk', 'attested'],
        input: { values: 196, bits: manifest.input.bits, words: manifest.input.words },
        output: { values: 10, bits: manifest.output.bits, words: manifest.output.words },
      })
      expect(model.manifest?.definitionHash).toBe(model.definitionHash)
      expect(model).toMatchObject({ proofSystem: 'groth16', setup: { contributions: 1, insecure: true, listedCeremony: false, summary: 'dev setup, 1 contribution, INSECURE' } })
      expect(model.security).toMatch(/^proofs checked on-chain \(groth16\); attestations overturned/)
      expect(model.manifest?.input.shape).toEqual([1, 196])
    })

    test('throws ModelNotFoundError for an unknown model id', async () => {
      const unknown = keccak256(stringToHex('no such model'))
      const error = await getModel(requester, { modelId: unknown }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ModelNotFoundError)
      expect((error as ModelNotFoundError).shortMessage).toBe(`Model ${unknown} is not registered.`)
    })

    test('rejects a manifest of another model', async () => {
      const other = { ...manifest, definitionHash: keccak256(stringToHex('other')) }
      await expect(getModel(f.client(5), { modelId: f.modelId, manifest: other })).rejects.toThrow(/it defines the model 0x[0-9a-f]{64}, the registry's definition hash is/)
      await expect(getModel(f.client(5), { modelId: f.modelId, manifest: other })).rejects.toThrow(ManifestMismatchError)
    })

    test('the default manifest loader reads data: URIs and refuses what it cannot read', async () => {
      const uri = `data:application/json;base64,${Buffer.from(JSON.stringify(manifest)).toString('base64')}`
      expect(await requester.loadManifest(uri)).toEqual(manifest)
      await expect(requester.loadManifest('file:///etc/manifest.json')).rejects.toThrow(ManifestNotFoundError)
      await expect(requester.loadManifest(`${new URL(f.manifest.artifacts.vkey!, (await getModel(requester, { modelId: f.modelId })).metadataURI)}.missing`)).rejects.toThrow(/answered 404/)
    })

    test('lists the registered models', async () => {
      const models = await listModels(requester, { manifest: true })
      expect(models.map((m) => m.modelId)).toEqual([f.modelId])
      expect(models[0]!.manifest?.output.kind).toBe('values')
    })
  })

  describe('encodeInput and decodeOutput', () => {
    test('quantizes and packs as the circuits reference does', async () => {
      const { model } = await loadCompiledModel(f.modelDir)
      const { words, quantized } = encodeInput({ manifest, values: digit })
      expect(quantized).toEqual(digit.map((x) => BigInt(Math.round(x * 2 ** manifest.input.scale))))
      expect(words).toHaveLength(manifest.input.words)
      expect(encodeInput({ manifest, values: [digit] }).words).toEqual(words)
      expect(encodeInput({ manifest, quantized }).words).toEqual(words)
      const out = decodeOutput({ manifest, words: packValues(runReference(model, quantized), manifest.output.bits) })
      expect(out.class).toBe(f.testset.labels[0])
      expect(out.values).toHaveLength(10)
    })

    test('names the out-of-range value and its index', () => {
      const values = [...digit]
      values[17] = 1e6
      const error = (() => {
        try {
          encodeInput({ manifest, values })
        } catch (e) {
          return e as InputOutOfRangeError
        }
      })()
      expect(error).toBeInstanceOf(InputOutOfRangeError)
      expect(error!.index).toBe(17)
      expect(error!.message).toMatchInlineSnapshot(`
        "Input value 1000000 at index 17 is out of range.

        Details: The model quantizes inputs to 8-bit integers at scale 2^6, so a value must be finite and lie in [-2, 1.984375]."
      `)
      values[17] = Number.NaN
      expect(() => encodeInput({ manifest, values })).toThrow(/Input value NaN at index 17/)
    })

    test('rejects a tensor of the wrong shape', () => {
      expect(() => encodeInput({ manifest, values: digit.slice(1) })).toThrow(InputShapeMismatchError)
      expect(() => encodeInput({ manifest, values: [digit.slice(0, 98), digit.slice(98)] })).toThrowErrorMatchingInlineSnapshot(`
        [InputShapeMismatchError: Input of shape [2, 98] does not fit the model's input shape [1, 196].

        Details: Pass 196 numbers, flat or nested as [1, 196].]
      `)
    })
  })

  describe('requestInference, quote and refundExpired', () => {
    test('getRequest and getResult throw RequestNotFoundError for an unknown id', async () => {
      await expect(getRequest(requester, { requestId: 999n })).rejects.toThrow(RequestNotFoundError)
      await expect(getResult(requester, { requestId: 999n })).rejects.toThrow(RequestNotFoundError)
    })


    test('refuses a payment below the fee before sending', async () => {
      const error = await requestInference(requester, { modelId: f.modelId, values: digit, value: MODEL_FEE - 1n }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InsufficientFeeError)
      expect((error as InsufficientFeeError).shortMessage).toBe(`A payment of ${MODEL_FEE - 1n} wei is below the model's fee of ${MODEL_FEE} wei.`)
    })

    test('quotes the fee, gas and latency of both modes', async () => {
      const { words } = encodeInput({ manifest, values: digit })
      const q = await quote(requester, { modelId: f.modelId, inputWords: words, quorum: 2, callback: f.consumer, callbackGasLimit: 100_000 })
      expect(q.fee).toBe(MODEL_FEE)
      expect(q.requestGasEstimated).toBe(true)
      expect(q.requestCost).toBe(MODEL_FEE + q.requestGas * q.gasPrice)
      expect(q.modes.zk!.callbackGas).toBe(110_000n)
      expect(q.modes.attested!.latency.seconds).toBeGreaterThan(Number(CHALLENGE_WINDOW))
      expect(q.modes.zk!.latency.seconds).toBeLessThan(q.modes.attested!.latency.seconds)

      const sent = await requestInference(requester, { modelId: f.modelId, inputWords: words })
      expect(Number(sent.receipt.gasUsed)).toBeGreaterThan(Number(q.requestGas) * 0.75)
      expect(Number(sent.receipt.gasUsed)).toBeLessThanOrEqual(Number(q.requestGas))
      const proved = await proveLocally(requester, { requestId: sent.requestId, dir: f.modelDir })
      const { receipt } = await fulfillWithProof(f.client(5), proved)
      const estimate = Number(q.modes.zk!.fulfilmentGas)
      expect(Math.abs(Number(receipt.gasUsed) - estimate) / estimate).toBeLessThan(0.25)
    })

    test('refunds an expired request, and waitForResult reports the expiry', async () => {
      const { requestId, deadline } = await requestInference(requester, { modelId: f.modelId, values: digit, ttl: 30 })
      await expect(refundExpired(requester, { requestId })).rejects.toThrow(RequestNotRefundableError)
      await f.increaseTime(60n)
      const error = await waitForResult(requester, { requestId, timeout: 5_000 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RequestExpiredError)
      expect((error as RequestExpiredError).deadline).toBe(deadline)
      const before = await requester.publicClient.request({ method: 'eth_getBalance', params: [f.account(4).address, 'latest'] })
      const refund = await refundExpired(requester, { requestId, withdraw: true })
      expect(refund.amount).toBe(MODEL_FEE)
      expect(refund.withdrawal?.amount).toBeGreaterThanOrEqual(MODEL_FEE)
      expect((await getRequest(requester, { requestId })).status).toBe('refunded')
      const after = await requester.publicClient.request({ method: 'eth_getBalance', params: [f.account(4).address, 'latest'] })
      expect(BigInt(after)).toBeGreaterThan(BigInt(before))
    })
  })

  describe('attested results: waitForResult, getResult, verification, finality and disputes', () => {
    test('an attested result is pending through the window, verifiable, then final', async () => {
      const { requestId, inputWords } = await requestInference(requester, { modelId: f.modelId, values: digit, mode: 'attested', quorum: 2 })
      const outputWords = await canonicalOutput(inputWords)
      const pending = waitForResult(requester, { requestId, finality: 'pending', timeout: 20_000 })
      const { signers, gasUsed: submitGas } = await attest(requestId, inputWords, outputWords, 2)
      const result = await pending
      expect(result).toMatchObject({ requestId, mode: 'attested', status: 'attested', finality: 'pending', outputWords })
      assert(result.fulfilment.kind === 'attestation')
      expect(result.fulfilment.signers).toEqual(signers)
      expect(result.output?.class).toBe(f.testset.labels[0])

      const notFinal = await getResult(requester, { requestId }).catch((e: unknown) => e)
      expect(notFinal).toBeInstanceOf(ResultNotFinalError)
      expect((notFinal as ResultNotFinalError).status).toBe('attested')

      expect(await verifyResultOffchain(requester, { result })).toEqual({ kind: 'attestation', valid: true, reason: undefined, signers })
      const forged = await verifyAttestation(requester, {
        requestId,
        modelId: f.modelId,
        inputWords,
        outputWords: outputWords.map((w) => w + 1n),
        traceRoot: result.fulfilment.traceRoot,
        signatures: result.fulfilment.signatures!,
        quorum: 2,
      })
      expect(forged.valid).toBe(false)

      await f.increaseTime(CHALLENGE_WINDOW + 1n)
      const attested = await getRequest(requester, { requestId })
      expect(attested.status).toBe('attested')
      const finalizeHash = await writeContract(f.client(5).walletClient!, {
        address: f.deployment.contracts.inferenceOracle,
        abi: inferenceOracleAbi,
        functionName: 'finalize',
        args: [attested.commitment, attested.attested!, [...outputWords]],
        chain: foundry,
        account: f.account(5),
      })
      const final = await waitForResult(requester, { requestId, timeout: 10_000 })
      expect(final).toMatchObject({ status: 'finalized', finality: 'final', outputWords })

      const finalizeGas = (await waitForTransactionReceipt(requester.publicClient, { hash: finalizeHash })).gasUsed
      const estimate = Number((await quote(requester, { modelId: f.modelId, quorum: 2 })).modes.attested!.fulfilmentGas)
      expect(Math.abs(Number(submitGas + finalizeGas) - estimate) / estimate).toBeLessThan(0.25)
    })

    test('a wrong attestation is overturned with disputeWithProof', async () => {
      const { requestId, inputWords } = await requestInference(requester, { modelId: f.modelId, values: digit, mode: 'attested', quorum: 1 })
      const outputWords = await canonicalOutput(inputWords)
      const wrong = [outputWords[0]! ^ 1n, ...outputWords.slice(1)]
      await attest(requestId, inputWords, wrong, 1)
      const proved = await proveLocally(requester, { requestId, dir: f.modelDir })
      expect(proved.outputWords).toEqual(outputWords)
      const same = await disputeWithProof(requester, { requestId, inputWords, outputWords: wrong, beneficiary: proved.beneficiary, proof: proved.proof }).catch((e: unknown) => e)
      expect(same).toBeInstanceOf(NotDisputableError)

      // Another account sends the requester's proof: the bounty still goes to the proof's beneficiary.
      const sender = f.client(5)
      const { slashed } = await disputeWithProof(sender, proved)
      expect(slashed).toBe(parseEther('2'))
      const result = await getResult(requester, { requestId })
      expect(result).toMatchObject({ status: 'fulfilled', finality: 'final', outputWords })
      expect(result.fulfilment).toMatchObject({ kind: 'proof', disputed: true, fulfiller: f.account(4).address, proof: proved.proofBytes })
      expect(await verifyResultOffchain(requester, { result })).toMatchObject({ kind: 'proof', valid: true })
    })
  })

  describe('watchResults', () => {
    test('reports results of the watched model as they become final', async () => {
      const seen: bigint[] = []
      const errors: Error[] = []
      const { requestId } = await requestInference(requester, { modelId: f.modelId, values: digit })
      const received = new Promise<void>((resolve) => {
        const unwatch = watchResults(requester, {
          modelId: f.modelId,
          onResult: (result) => {
            seen.push(result.requestId)
            expect(result.output?.class).toBe(f.testset.labels[0])
            unwatch()
            resolve()
          },
          onError: (error) => errors.push(error),
        })
      })
      const proved = await proveLocally(requester, { requestId, dir: f.modelDir })
      await fulfillWithProof(f.client(5), proved)
      await received
      expect(seen).toEqual([requestId])
      expect(errors).toEqual([])
    })
  })
})
