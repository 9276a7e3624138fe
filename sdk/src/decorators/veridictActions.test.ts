import { createPublicClient, createWalletClient, http, publicActions, zeroAddress, type PublicClient, type WalletClient } from 'viem'
import { foundry, mainnet } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'vitest'
import { MODEL_FEE, setupFixture, type Fixture } from '../../../test/utils/sdkFixture.js'
import {
  AccountNotFoundError,
  ChainMismatchError,
  createVeridictClient,
  decodeOutput,
  disputeWithProof,
  encodeInput,
  fulfillWithProof,
  getDispute,
  getModel,
  getRequest,
  getResult,
  getVerificationKey,
  listModels,
  quote,
  refundExpired,
  requestInference,
  ResultNotFinalError,
  verifyAttestation,
  veridictActions,
  waitForResult,
  watchDisputes,
  watchResults,
  withdraw,
  type GetModelParameters,
  type GetModelReturnType,
  type ListModelsParameters,
  type RequestInferenceParameters,
  type RequestInferenceReturnType,
  type VeridictActions,
  type VeridictClient,
  type VeridictManifest,
  type WatchResultsReturnType,
} from '../index.js'

/** A plain action with its client bound: what the decorated client's method must be. */
type Bound<action> = action extends (client: VeridictClient, ...args: infer args) => infer returned ? (...args: args) => returned : never

describe('types: the decorated client has every action with the plain actions’ parameters and return types', () => {
  test('each method is its plain action with the client bound', () => {
    expectTypeOf<VeridictActions['getModel']>().toEqualTypeOf<Bound<typeof getModel>>()
    expectTypeOf<VeridictActions['getVerificationKey']>().toEqualTypeOf<Bound<typeof getVerificationKey>>()
    expectTypeOf<VeridictActions['listModels']>().toEqualTypeOf<Bound<typeof listModels>>()
    expectTypeOf<VeridictActions['quote']>().toEqualTypeOf<Bound<typeof quote>>()
    expectTypeOf<VeridictActions['requestInference']>().toEqualTypeOf<Bound<typeof requestInference>>()
    expectTypeOf<VeridictActions['getRequest']>().toEqualTypeOf<Bound<typeof getRequest>>()
    expectTypeOf<VeridictActions['getResult']>().toEqualTypeOf<Bound<typeof getResult>>()
    expectTypeOf<VeridictActions['waitForResult']>().toEqualTypeOf<Bound<typeof waitForResult>>()
    expectTypeOf<VeridictActions['watchResults']>().toEqualTypeOf<Bound<typeof watchResults>>()
    expectTypeOf<VeridictActions['getDispute']>().toEqualTypeOf<Bound<typeof getDispute>>()
    expectTypeOf<VeridictActions['watchDisputes']>().toEqualTypeOf<Bound<typeof watchDisputes>>()
    expectTypeOf<VeridictActions['verifyAttestation']>().toEqualTypeOf<Bound<typeof verifyAttestation>>()
    expectTypeOf<VeridictActions['refundExpired']>().toEqualTypeOf<Bound<typeof refundExpired>>()
    expectTypeOf<VeridictActions['withdraw']>().toEqualTypeOf<Bound<typeof withdraw>>()
    expectTypeOf<VeridictActions['fulfillWithProof']>().toEqualTypeOf<Bound<typeof fulfillWithProof>>()
    expectTypeOf<VeridictActions['disputeWithProof']>().toEqualTypeOf<Bound<typeof disputeWithProof>>()
    // The encoders take no client: the same functions.
    expectTypeOf<VeridictActions['encodeInput']>().toEqualTypeOf<typeof encodeInput>()
    expectTypeOf<VeridictActions['decodeOutput']>().toEqualTypeOf<typeof decodeOutput>()
    expectTypeOf<VeridictActions['veridict']>().toEqualTypeOf<VeridictClient>()
  })

  test('by name: parameters and return types', () => {
    expectTypeOf<VeridictActions['getModel']>().parameters.toEqualTypeOf<[GetModelParameters]>()
    expectTypeOf<VeridictActions['getModel']>().returns.toEqualTypeOf<Promise<GetModelReturnType>>()
    expectTypeOf<VeridictActions['requestInference']>().parameter(0).toEqualTypeOf<RequestInferenceParameters>()
    expectTypeOf<VeridictActions['requestInference']>().returns.resolves.toEqualTypeOf<RequestInferenceReturnType>()
    expectTypeOf<VeridictActions['listModels']>().toBeCallableWith()
    expectTypeOf<VeridictActions['listModels']>().parameter(0).toEqualTypeOf<ListModelsParameters | undefined>()
    expectTypeOf<VeridictActions['withdraw']>().toBeCallableWith()
    expectTypeOf<VeridictActions['watchResults']>().returns.toEqualTypeOf<WatchResultsReturnType>()
  })

  test('extend keeps viem’s actions and adds Veridict’s, on public and wallet clients', () => {
    const deployment = { chainId: 31337, oracle: zeroAddress, registry: zeroAddress, staking: zeroAddress }
    const reader = createPublicClient({ chain: foundry, transport: http('http://127.0.0.1:1') }).extend(veridictActions({ deployment }))
    expectTypeOf(reader).toExtend<PublicClient>()
    expectTypeOf(reader.getModel).toEqualTypeOf<VeridictActions['getModel']>()
    expectTypeOf(reader.requestInference).toEqualTypeOf<VeridictActions['requestInference']>()
    expectTypeOf(reader.getBlockNumber).toBeFunction()

    const writer = createWalletClient({ chain: foundry, transport: http('http://127.0.0.1:1'), account: zeroAddress })
      .extend(publicActions)
      .extend(veridictActions({ deployment }))
    expectTypeOf(writer).toExtend<WalletClient>()
    expectTypeOf(writer.requestInference).toEqualTypeOf<VeridictActions['requestInference']>()
    expectTypeOf(writer.readContract).toBeFunction()
    expectTypeOf(writer.writeContract).toBeFunction()
  })
})

describe('veridictActions without a chain', () => {
  const deployment = { chainId: 31337, oracle: zeroAddress, registry: zeroAddress, staking: zeroAddress }

  test('extend checks the chain as createVeridictClient does', () => {
    const client = createPublicClient({ chain: mainnet, transport: http('http://127.0.0.1:1') })
    expect(() => client.extend(veridictActions({ deployment }))).toThrow(ChainMismatchError)
    expect(() => createVeridictClient({ publicClient: client, deployment })).toThrow(ChainMismatchError)
    const wallet = createWalletClient({ chain: mainnet, transport: http('http://127.0.0.1:1') })
    expect(() => createPublicClient({ chain: foundry, transport: http('http://127.0.0.1:1') }).extend(veridictActions({ deployment, walletClient: wallet }))).toThrow(
      ChainMismatchError,
    )
  })

  test('the wallet: `walletClient`, else the extended client when it is a wallet client or has an account, else none', () => {
    const transport = http('http://127.0.0.1:1')
    const reader = createPublicClient({ chain: foundry, transport }).extend(veridictActions({ deployment, pollingInterval: 7 }))
    expect(reader.veridict.walletClient).toBeUndefined()
    expect(reader.veridict.publicClient.uid).toBe(reader.uid)
    expect(reader.veridict.pollingInterval).toBe(7)
    expect(reader.veridict.deployment).toEqual(deployment)

    const withAccount = createWalletClient({ chain: foundry, transport, account: zeroAddress }).extend(publicActions).extend(veridictActions({ deployment }))
    expect(withAccount.veridict.walletClient?.uid).toBe(withAccount.uid)
    expect(withAccount.veridict.walletClient?.account?.address).toBe(zeroAddress)

    const noAccount = createWalletClient({ chain: foundry, transport }).extend(veridictActions({ deployment }))
    expect(noAccount.veridict.walletClient?.uid).toBe(noAccount.uid)

    const other = createWalletClient({ chain: foundry, transport, account: zeroAddress })
    const explicit = createPublicClient({ chain: foundry, transport }).extend(veridictActions({ deployment, walletClient: other }))
    expect(explicit.veridict.walletClient).toBe(other)
  })

  test('a deployment file is normalized as createVeridictClient does', () => {
    const file = { chainId: 31337, deploymentBlock: '5', contracts: { inferenceOracle: zeroAddress, modelRegistry: zeroAddress, operatorStaking: zeroAddress } }
    const reader = createPublicClient({ chain: foundry, transport: http('http://127.0.0.1:1') }).extend(veridictActions({ deployment: file }))
    expect(reader.veridict.deployment).toEqual(createVeridictClient({ publicClient: reader, deployment: file }).deployment)
    expect(reader.veridict.deployment.fromBlock).toBe(5n)
  })
})

describe('veridictActions on anvil with the real contracts and the digits model', () => {
  let f: Fixture
  let plain: VeridictClient
  let digit: number[]
  let manifestLoads: string[]
  const transport = () => http(f.anvil.rpcUrl)
  const loadManifest = async (uri: string) => {
    manifestLoads.push(uri)
    const response = await fetch(uri)
    return response.json() as Promise<unknown>
  }

  beforeAll(async () => {
    f = await setupFixture()
    plain = f.client(4)
    digit = f.testset.inputs[0]!
    manifestLoads = []
  })

  afterAll(async () => {
    await f?.stop()
  })

  test('reads on a decorated public client answer as the plain actions; one manifest cache across calls', async () => {
    const reader = createPublicClient({ chain: foundry, transport: transport(), pollingInterval: 50 }).extend(
      veridictActions({ deployment: f.deployment, loadManifest }),
    )
    expect(await reader.listModels()).toEqual(await listModels(plain))
    expect(await reader.listModels({ status: 'all', offset: 0, limit: 5 })).toEqual(await listModels(plain, { status: 'all', offset: 0, limit: 5 }))

    const model = await reader.getModel({ modelId: f.modelId, manifest: true })
    expect(model).toEqual(await getModel(plain, { modelId: f.modelId, manifest: true }))
    expect(model.fee).toBe(MODEL_FEE)
    expect(await reader.getModel({ modelId: f.modelId, manifest: true })).toEqual(model)
    expect(manifestLoads).toHaveLength(1)
    expect(reader.veridict.manifests.get(f.modelId)).toBe(model.manifest)

    expect(await reader.getVerificationKey({ modelId: f.modelId })).toEqual(await getVerificationKey(plain, { modelId: f.modelId }))
    expect(reader.veridict.verificationKeys.size).toBe(1)

    const { words } = reader.encodeInput({ manifest: model.manifest!, values: digit })
    expect(words).toEqual(encodeInput({ manifest: f.manifest as VeridictManifest, values: digit }).words)
    const fromReader = await reader.quote({ modelId: f.modelId, quorum: 2 })
    const fromPlain = await quote(createVeridictClient({ publicClient: plain.publicClient, deployment: f.deployment }), { modelId: f.modelId, quorum: 2 })
    expect(fromReader).toEqual(fromPlain)
  })

  test('writes without an account throw AccountNotFoundError, as the plain actions on a client without a wallet', async () => {
    const reader = createPublicClient({ chain: foundry, transport: transport() }).extend(veridictActions({ deployment: f.deployment }))
    const readOnly = createVeridictClient({ publicClient: createPublicClient({ chain: foundry, transport: transport() }), deployment: f.deployment })
    await expect(requestInference(readOnly, { modelId: f.modelId, values: digit })).rejects.toThrow(AccountNotFoundError)
    await expect(reader.requestInference({ modelId: f.modelId, values: digit })).rejects.toThrow(AccountNotFoundError)
    await expect(reader.requestInference({ modelId: f.modelId, values: digit, account: f.account(4) })).rejects.toThrow(AccountNotFoundError)
    await expect(reader.withdraw()).rejects.toThrow(AccountNotFoundError)
    await expect(reader.refundExpired({ requestId: 1n })).rejects.toThrow(AccountNotFoundError)
    await expect(reader.withdraw()).rejects.toThrow(/withdraw sends a transaction and needs an account/)

    // A wallet client without an account sends with a per-call `account`, as a plain client's wallet would.
    const noAccount = createWalletClient({ chain: foundry, transport: transport() }).extend(publicActions).extend(veridictActions({ deployment: f.deployment }))
    await expect(noAccount.withdraw()).rejects.toThrow(AccountNotFoundError)
  })

  test('requestInference on a decorated wallet client sends from its account; the request reads back as the plain actions read it', async () => {
    const writer = createWalletClient({ chain: foundry, transport: transport(), account: f.account(4), pollingInterval: 50 })
      .extend(publicActions)
      .extend(veridictActions({ deployment: f.deployment }))
    const sent = await writer.requestInference({ modelId: f.modelId, values: digit, mode: 'attested', quorum: 1 })
    expect(sent.receipt.status).toBe('success')
    expect(sent.receipt.from.toLowerCase()).toBe(f.account(4).address.toLowerCase())
    expect(sent.fee).toBe(MODEL_FEE)

    const request = await getRequest(plain, { requestId: sent.requestId })
    expect(request.requester).toBe(f.account(4).address)
    expect(request.inputWords).toEqual(sent.inputWords)
    expect(request.mode).toBe('attested')
    expect(await writer.getRequest({ requestId: sent.requestId })).toEqual(request)

    // The plain action on the same account answers alike: the next request id, the same input and terms.
    const again = await requestInference(plain, { modelId: f.modelId, values: digit, mode: 'attested', quorum: 1 })
    expect(again.requestId).toBe(sent.requestId + 1n)
    const pick = ({ inputWords, mode, quorum, fee, callbackPrepayment }: RequestInferenceReturnType) => ({ inputWords, mode, quorum, fee, callbackPrepayment })
    expect(pick(again)).toEqual(pick(sent))

    // Watching on the decorated client: nothing final yet, and the unwatch function stops it.
    const unwatch = writer.watchResults({ requestIds: [sent.requestId], onResult: () => undefined })
    unwatch()
    await expect(writer.getResult({ requestId: sent.requestId })).rejects.toThrow(ResultNotFinalError)
  })

  test('a wallet client without an account sends from the per-call `account`; a bare wallet client reads too', async () => {
    const noAccount = createWalletClient({ chain: foundry, transport: transport(), pollingInterval: 50 }).extend(veridictActions({ deployment: f.deployment }))
    expect(await noAccount.listModels()).toEqual(await listModels(plain))
    const sent = await noAccount.requestInference({ modelId: f.modelId, values: digit, account: f.account(5) })
    expect((await noAccount.getRequest({ requestId: sent.requestId })).requester).toBe(f.account(5).address)
    // After the deadline (default ttl: an hour) the payment comes back to the requester's balance.
    await f.increaseTime(3601n)
    const { amount, withdrawal } = await noAccount.refundExpired({ requestId: sent.requestId, account: f.account(5), withdraw: true })
    expect(amount).toBe(sent.fee + sent.callbackPrepayment)
    expect(withdrawal?.amount).toBeGreaterThanOrEqual(amount)
  })
})
