import { join } from 'node:path'
import { createWalletClient, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureCompiledModel, loadCompiledModel, runReference, type ModelManifest } from '@veridict/circuits'
import {
  createVeridictClient,
  encodeInput,
  fulfillWithProof,
  getModel,
  getRequest,
  getResult,
  CommitmentMismatchError,
  DelegationRefusedError,
  EncryptionKeyNotFoundError,
  InputShapeMismatchError,
  ModelNotRequestableError,
  PrivateInputRequiredError,
  operatorStakingAbi,
  requestInference,
  unpackValues,
  waitForResult,
  type VeridictClient,
  type VeridictManifest,
} from '@veridict/sdk'
import { delegatePrivateInput, generateEncryptionKey, getEncryptionKey, requestPrivateInference, type PrivateInput } from '@veridict/sdk/private'
import { proveLocally } from '@veridict/sdk/prover'
import { cp } from 'node:fs/promises'
import {
  anvilPrivateKeys,
  carriesWord,
  chainTrafficSince,
  freePort,
  nodeConfig,
  nodePorts,
  REPO_ROOT,
  startTestChain,
  startTestNode,
  waitFor,
  type RunningNode,
  type TestChain,
} from '@veridict/oracle/testing'

/**
 * Private inputs on a real chain (issue 16): Iris compiled with a private input, registered next to
 * the public Iris; requests carry only a Poseidon commitment, and no transaction or event of a
 * whole flow carries the input.
 */
describe('private inference on anvil', () => {
  let chain: TestChain
  let privateDir: string
  let manifest: ModelManifest
  let privateModelId: Hex
  let user: VeridictClient
  let node: RunningNode | undefined

  beforeAll(async () => {
    chain = await startTestChain()
    const testset = (await import(join(REPO_ROOT, 'circuits/models/iris.testset.json'), { with: { type: 'json' } })).default as { calibration: { inputs: number[][] } }
    const compiled = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/iris.onnx'), name: 'iris-private', calibration: testset.calibration.inputs, privateInput: true })
    privateDir = compiled.dir
    manifest = compiled.manifest
    ;({ modelId: privateModelId } = await chain.registerModel(privateDir, 0))
    const walletClient = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[4]!), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) })
    user = createVeridictClient({ publicClient: chain.client, walletClient, deployment: chain.deployment, pollingInterval: 50 })
  })

  afterAll(async () => {
    await node?.stop()
    await chain?.stop()
  })

  const wordsOf = (input: number[]) => encodeInput({ manifest: manifest as unknown as VeridictManifest, values: input }).words

  /**
   * Every transaction since `fromBlock` and its logs: the commitment is there (in the request and
   * the proof's public signals: the scan sees the flow), no input word and not the salt.
   */
  async function expectOnlyTheCommitmentSince(fromBlock: bigint, commitment: bigint, { inputWords, salt }: PrivateInput): Promise<void> {
    const carried = await chainTrafficSince(chain.client, fromBlock)
    expect(carriesWord(carried, commitment)).toBe(true)
    for (const secret of [...inputWords.filter((w) => w !== 0n), salt]) expect(carriesWord(carried, secret), `the flow carries ${secret}`).toBe(false)
  }

  /** The canonical output of the public Iris (same quantized model) on `input`. */
  async function publicOutput(input: number[]): Promise<bigint[]> {
    const { model } = await loadCompiledModel(chain.modelDir)
    return runReference(model, encodeInput({ manifest: manifest as unknown as VeridictManifest, values: input }).quantized)
  }

  test('the registry binds the private variant to its own id and serves it with proofs only', async () => {
    const model = await getModel(user, { modelId: privateModelId })
    expect(model.privateInput).toBe(true)
    expect(model.modes).toEqual(['zk'])
    expect(privateModelId).not.toBe(chain.modelId)
    expect((await getModel(user, { modelId: chain.modelId })).privateInput).toBe(false)
    // The plain request path refuses the words of a private model: they would be on-chain.
    await expect(requestInference(user, { modelId: privateModelId, inputWords: wordsOf(chain.testInputs[0]!) })).rejects.toThrow(/its input is private/)
    await expect(requestInference(user, { modelId: privateModelId, inputCommitment: 1n, mode: 'attested' })).rejects.toThrow(/served with proofs only/)
    await expect(requestInference(user, { modelId: chain.modelId, inputCommitment: 1n })).rejects.toThrow(ModelNotRequestableError)
    await expect(requestPrivateInference(user, { modelId: privateModelId, inputWords: [1n, 2n] })).rejects.toThrow(InputShapeMismatchError)
    await expect(requestPrivateInference(user, { modelId: chain.modelId, inputWords: wordsOf(chain.testInputs[0]!) })).rejects.toThrow(ModelNotRequestableError)
  })

  test('self-proved: the user commits, proves and fulfils; the result is final and right, and the input is nowhere on-chain', async () => {
    const input = chain.testInputs[3]!
    const fromBlock = await chain.client.getBlockNumber()
    const requested = await requestPrivateInference(user, { modelId: privateModelId, inputWords: wordsOf(input) })
    const { requestId, privateInput, commitment } = requested
    expect(requested.inputWords).toEqual([commitment])
    expect((await getRequest(user, { requestId })).inputWords).toEqual([commitment])

    await expect(proveLocally(user, { requestId, dir: privateDir })).rejects.toThrow(PrivateInputRequiredError)
    const otherSalt = { ...privateInput, salt: privateInput.salt + 1n }
    await expect(proveLocally(user, { requestId, dir: privateDir, privateInput: otherSalt })).rejects.toThrow(CommitmentMismatchError)
    const proved = await proveLocally(user, { requestId, dir: privateDir, privateInput })
    expect(proved.inputWords).toEqual([commitment])
    expect(proved.publicSignals[0]).toBe(String(commitment))
    await fulfillWithProof(user, proved)

    const result = await getResult(user, { requestId })
    expect(result).toMatchObject({ status: 'fulfilled', finality: 'final', mode: 'zk', outputWords: proved.outputWords })
    expect(proved.output).toEqual(await publicOutput(input))
    await expectOnlyTheCommitmentSince(fromBlock, commitment, privateInput)
  })

  test('delegated: encrypted to a staked operator, its node proves and fulfils; the input is nowhere on-chain', async () => {
    await cp(privateDir, join(chain.modelsDir, 'iris-private'), { recursive: true })
    const operator = await chain.registerOperator(1)
    const [ports] = await nodePorts(1)
    node = await startTestNode(nodeConfig(chain, { httpPort: ports!.httpPort, peerHttpPort: ports!.peerHttpPort, modes: ['zk'] }), 1)
    await waitFor(() => getEncryptionKey(user, { operator }).then(() => true, () => false), { what: 'the node to publish its encryption key' })

    const input = chain.testInputs[4]!
    const fromBlock = await chain.client.getBlockNumber()
    const { requestId, privateInput, commitment } = await requestPrivateInference(user, { modelId: privateModelId, inputWords: wordsOf(input) })
    const delegated = await delegatePrivateInput(user, { requestId, privateInput, operator, nodeUrl: node.url })
    expect(delegated.operator).toBe(operator)
    const result = await waitForResult(user, { requestId, timeout: 60_000 })
    expect(result).toMatchObject({ status: 'fulfilled', finality: 'final', mode: 'zk' })
    expect(result.fulfilment).toMatchObject({ kind: 'proof', fulfiller: operator })
    expect(unpackValues(result.outputWords, manifest.output.count, manifest.output.bits)).toEqual(await publicOutput(input))

    await expectOnlyTheCommitmentSince(fromBlock, commitment, privateInput)
  })

  test('an operator that never answers: the user proves the request before its deadline', async () => {
    const operator = await chain.registerOperator(2)
    // No key yet: nothing to encrypt to.
    const early = await requestPrivateInference(user, { modelId: privateModelId, inputWords: wordsOf(chain.testInputs[5]!), ttl: 600 })
    await expect(delegatePrivateInput(user, { requestId: early.requestId, privateInput: early.privateInput, operator, nodeUrl: 'http://127.0.0.1:9' })).rejects.toThrow(EncryptionKeyNotFoundError)

    const { publicKey } = await generateEncryptionKey()
    const operatorWallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[2]!), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) })
    await chain.client.waitForTransactionReceipt({
      hash: await operatorWallet.writeContract({ address: chain.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'setEncryptionKey', args: [publicKey.x, publicKey.y], chain: chain.client.chain }),
    })
    expect(await getEncryptionKey(user, { operator })).toEqual(publicKey)

    // Its node is down: nothing listens on its port.
    const deadPort = await freePort()
    const { requestId, privateInput, deadline } = await requestPrivateInference(user, { modelId: privateModelId, inputWords: wordsOf(chain.testInputs[6]!), ttl: 600 })
    await expect(delegatePrivateInput(user, { requestId, privateInput, operator, nodeUrl: `http://127.0.0.1:${deadPort}` })).rejects.toThrow(DelegationRefusedError)

    const proved = await proveLocally(user, { requestId, dir: privateDir, privateInput })
    const block = await chain.client.getBlock()
    expect(block.timestamp).toBeLessThan(deadline)
    await fulfillWithProof(user, proved)
    expect(await getResult(user, { requestId })).toMatchObject({ status: 'fulfilled', finality: 'final' })
  })
})
