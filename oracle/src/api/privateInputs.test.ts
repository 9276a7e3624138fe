import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { cp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Hono } from 'hono'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureCompiledModel } from '@veridict/circuits'
import { operatorStakingAbi, packValues } from '@veridict/sdk'
import { commitInput, encryptInputFor, generateEncryptionKey, randomSalt, type EncryptedInput, type EncryptionPublicKey } from '@veridict/sdk/private'
import { loadConfig } from '../config/loadConfig.js'
import { createLogger } from '../logger.js'
import { OracleNode } from '../node/oracleNode.js'
import type { ServedModel } from '../inference/servedModel.js'
import { eventsOf, nodeConfig, REPO_ROOT, startTestChain, waitFor, type TestChain } from '../testing/harness.js'
import { anvilPrivateKeys } from '../devnet/anvil.js'
import { createApp } from './app.js'

/**
 * A node serving the bundled Iris twice: as compiled (public input) and compiled with
 * --private-input, both registered on anvil. Its operator (anvil account 1) is registered, so the
 * node publishes its encryption key; users encrypt a private request's input to it and POST it.
 */
describe('POST /v1/private-inputs', () => {
  let chain: TestChain
  let node: OracleNode
  let app: Hono
  let dataDir: string
  let privateModelId: Hex
  let privateModel: ServedModel
  let nodeKey: EncryptionPublicKey
  let input: number[]

  beforeAll(async () => {
    chain = await startTestChain()
    const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/iris.testset.json'), 'utf8')) as { calibration: { inputs: number[][] } }
    const compiled = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/iris.onnx'), name: 'iris-private', calibration: testset.calibration.inputs, privateInput: true })
    const dir = join(chain.modelsDir, 'iris-private')
    await cp(compiled.dir, dir, { recursive: true })
    ;({ modelId: privateModelId } = await chain.registerModel(dir, 0))
    await chain.registerOperator(1)
    input = chain.testInputs[0]!
    dataDir = mkdtempSync(join(tmpdir(), 'veridict-private-'))
    const { config, operatorKey } = loadConfig({ env: { VERIDICT_OPERATOR_KEY: anvilPrivateKeys[1]! }, flags: { ...nodeConfig(chain, { httpPort: 0 }), dataDir, modes: ['zk'] } })
    node = await OracleNode.create({ config, operatorKey, logger: createLogger(process.env.VERIDICT_TEST_LOG ?? 'silent') })
    app = createApp(node)
    await node.start()
    await waitFor(() => node.health().ok, { what: 'the node to read the registrations' })
    privateModel = node.models.find((m) => m.manifest.input.private)!
    // What a user does: read the operator's key where it is published.
    nodeKey = await waitFor(
      async () => {
        const [x, y] = await chain.client.readContract({ address: chain.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'encryptionKeyOf', args: [node.address] })
        return x !== 0n && { x, y }
      },
      { what: 'the node to publish its encryption key' },
    )
  })

  afterAll(async () => {
    await node?.stop()
    await chain?.stop()
  })

  const wordsOf = (values: number[]) => packValues(privateModel.quantize(values), privateModel.manifest.input.bits)
  const wire = (e: EncryptedInput) => ({ ephemeralKey: { x: String(e.ephemeralKey.x), y: String(e.ephemeralKey.y) }, nonce: String(e.nonce), ciphertext: e.ciphertext.map(String), length: e.length })
  const post = (body: unknown, raw = false) => app.request('/v1/private-inputs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) })
  const error = async (response: Response) => ((await response.json()) as { error: { code: string; message: string } }).error
  /** A private request for `words` with `salt`: on-chain it carries only their commitment. */
  const requestPrivately = async (words: bigint[], salt: bigint, deadlineSeconds?: number) => {
    const requestId = await chain.request({ words: [await commitInput({ inputWords: words, salt })], mode: 'zk', modelId: privateModelId, deadlineSeconds })
    await waitFor(() => node.store.getJob(requestId), { what: `request ${requestId} to become a job` })
    return requestId
  }

  test('publishes its encryption key in OperatorStaking and shows it in /health', async () => {
    const health = (await (await app.request('/health')).json()) as { encryptionKey: { x: string; y: string }; warnings: string[] }
    expect(health.encryptionKey).toEqual({ x: String(nodeKey.x), y: String(nodeKey.y) })
    expect(health.warnings.join('\n')).not.toMatch(/registered operator/)
  })

  test('an operator that is not registered cannot publish its key: /health warns that delegated private requests need one', async () => {
    const { config, operatorKey } = loadConfig({ env: { VERIDICT_OPERATOR_KEY: anvilPrivateKeys[2]! }, flags: { ...nodeConfig(chain, { httpPort: 0 }), modes: ['zk'] } })
    const unregistered = await OracleNode.create({ config, operatorKey, logger: createLogger('silent') })
    try {
      await unregistered.start()
      const health = await waitFor(() => unregistered.health().warnings.length > 0 && unregistered.health(), { what: 'the warning' })
      expect(health.warnings).toEqual([expect.stringMatching(/^delegated private requests need a registered operator: users look up the key .* in OperatorStaking \(encryptionKeyOf\)/)])
      expect(health.encryptionKey).toBeDefined()
      expect(await chain.client.getTransactionCount({ address: unregistered.address })).toBe(0)
    } finally {
      await unregistered.stop()
    }
  })

  test("refuses a bad body, an unknown request, a public model's request, another key's ciphertext and another input, changing nothing", async () => {
    const words = wordsOf(input)
    const salt = randomSalt()
    const requestId = await requestPrivately(words, salt)
    // An attested request for the public Iris: this node watches it (a job), but it has no private input.
    const publicId = await chain.request({ input, mode: 'attested' })
    await waitFor(() => node.store.getJob(publicId), { what: 'the public request to become a job' })
    const other = await generateEncryptionKey()
    const encrypt = (p: { publicKey?: EncryptionPublicKey; inputWords?: bigint[]; salt?: bigint }) => encryptInputFor({ publicKey: p.publicKey ?? nodeKey, inputWords: p.inputWords ?? words, salt: p.salt ?? salt })
    const good = await encrypt({})
    const changedWords = [words[0]! ^ 1n]
    const before = { job: node.store.getJob(requestId), history: node.store.history(requestId), counts: node.store.countByState() }
    const cases: [Response, number, string, RegExp][] = [
      [await post('{"requestId": ', true), 400, 'invalid_request', /not valid JSON/],
      [await post({ requestId: String(requestId) }), 400, 'invalid_request', /encrypted: Invalid input/],
      [await post({ requestId: String(requestId), encrypted: { ...wire(good), length: good.length + 3 } }), 400, 'invalid_request', /ciphertext must have 3 x ceil\(length \/ 3\) \+ 1 elements/],
      [await post({ requestId: String(requestId), encrypted: { ...wire(good), ephemeralKey: { x: '1', y: '2' } } }), 400, 'invalid_request', /ephemeralKey: not a point of Baby Jubjub/],
      [await post({ requestId: '99999', encrypted: wire(good) }), 404, 'request_not_found', /Request 99999 is unknown to this node.*try again in a few seconds/],
      [await post({ requestId: String(publicId), encrypted: wire(good) }), 409, 'not_private', /whose input is public/],
      [await post({ requestId: String(requestId), encrypted: wire(await encrypt({ publicKey: other.publicKey })) }), 422, 'not_for_this_operator', /encrypted for another key or changed on the way.*GET \/health/],
      [await post({ requestId: String(requestId), encrypted: { ...wire(good), ciphertext: wire(good).ciphertext.map((c, i) => (i === 0 ? String(BigInt(c) ^ 1n) : c)) } }), 422, 'not_for_this_operator', /does not decrypt with this node's key/],
      [await post({ requestId: String(requestId), encrypted: wire(await encrypt({ inputWords: changedWords })) }), 422, 'commitment_mismatch', /Poseidon commitment of its words and salt is not the one the request carries/],
      [await post({ requestId: String(requestId), encrypted: wire(await encrypt({ salt: salt + 1n })) }), 422, 'commitment_mismatch', /not the one the request carries/],
      [await post({ requestId: String(requestId), encrypted: wire(await encrypt({ inputWords: [...words, 7n] })) }), 422, 'commitment_mismatch', /it has 2 input words, model iris_private takes 1/],
    ]
    for (const [response, status, code, message] of cases) {
      const e = await error(response)
      expect({ status: response.status, code: e.code }).toEqual({ status, code })
      expect(e.message).toMatch(message)
      // Nothing of the input in an answer.
      for (const secret of [salt, ...words]) expect(e.message).not.toContain(String(secret))
    }
    expect(node.store.getJob(requestId)).toEqual(before.job)
    expect(node.store.getJob(requestId)?.encryptedInput).toBeUndefined()
    expect(node.store.history(requestId)).toEqual(before.history)
    // Waiting for its input is no failure: no inference on the commitment, no retries.
    expect(node.store.history(requestId).map((h) => h.to)).toEqual(['pending'])
    expect(node.store.getJob(requestId)).toMatchObject({ attempts: 0, error: undefined })
    expect(node.store.countByState()).toEqual(before.counts)
  })

  test("serves a private request from its encrypted input: proved and fulfilled on-chain, and the node's files never hold the words or the salt", async () => {
    const words = wordsOf(chain.testInputs[1]!)
    const salt = randomSalt()
    const requestId = await requestPrivately(words, salt)
    // Still waiting for its input: no inference on the commitment.
    expect(node.store.getJob(requestId)).toMatchObject({ state: 'pending', encryptedInput: undefined })
    const body = { requestId: String(requestId), encrypted: wire(await encryptInputFor({ publicKey: nodeKey, inputWords: words, salt })) }
    // Sent twice at once (a retry): the request has one input, and both are accepted.
    const answers = await Promise.all([post(body), post({ ...body, encrypted: wire(await encryptInputFor({ publicKey: nodeKey, inputWords: words, salt })) })])
    for (const answer of answers) {
      expect(answer.status).toBe(202)
      expect(await answer.json()).toMatchObject({ requestId: String(requestId) })
    }
    await waitFor(() => node.store.getJob(requestId)?.state === 'done', { what: 'the private request to be fulfilled', timeoutMs: 120_000 })
    const [fulfilled] = await eventsOf(chain, 'ResultFulfilled', requestId)
    const expected = await privateModel.inferWords(words)
    expect(fulfilled!.args.outputWords).toEqual(expected.outputWords)
    expect(fulfilled!.args.fulfiller).toBe(node.address)
    // Served: another copy of its input is refused.
    const late = await post(body)
    expect(late.status).toBe(409)
    expect((await error(late)).code).toBe('request_closed')
    // The request as the node shows it: the commitment as its input, no float output (no public input to run it on).
    const shown = (await (await app.request(`/v1/requests/${requestId}`)).json()) as { inputWords: string[]; output: { words: string[]; float: unknown } }
    expect(shown.inputWords).toEqual([String(await commitInput({ inputWords: words, salt }))])
    expect(shown.output.words).toEqual(expected.outputWords.map(String))
    expect(shown.output.float).toBeUndefined()
    const files = readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile())
    const bytes = files.map((f) => readFileSync(join(f.parentPath, f.name)).toString('latin1')).join('\n')
    expect(bytes).toContain(body.encrypted.ciphertext[0])
    for (const secret of [salt, ...words]) expect(bytes).not.toContain(String(secret))
  })

  test('after a restart, a private job resumes from its stored ciphertext (decrypted again) and is fulfilled', async () => {
    // Another operator's node (anvil account 3; ZK needs no registration), stopped right after it took the input.
    const { config, operatorKey } = loadConfig({ env: { VERIDICT_OPERATOR_KEY: anvilPrivateKeys[3]! }, flags: { ...nodeConfig(chain, { httpPort: 0 }), modes: ['zk'] } })
    let other = await OracleNode.create({ config, operatorKey, logger: createLogger('silent') })
    try {
      await other.start()
      await waitFor(() => other.health().ok, { what: 'the second node' })
      const words = wordsOf(chain.testInputs[2]!)
      const salt = randomSalt()
      const requestId = await chain.request({ words: [await commitInput({ inputWords: words, salt })], mode: 'zk', modelId: privateModelId })
      await waitFor(() => other.store.getJob(requestId), { what: 'the job on the second node' })
      const { x, y } = other.health().encryptionKey!
      await other.receivePrivateInput(requestId, await encryptInputFor({ publicKey: { x: BigInt(x), y: BigInt(y) }, inputWords: words, salt }))
      // Stopped before its next pass: the job has not stepped since the input came.
      await other.stop()
      other = await OracleNode.create({ config, operatorKey, logger: createLogger('silent') })
      expect(other.store.getJob(requestId)).toMatchObject({ state: 'pending', encryptedInput: expect.objectContaining({ length: 2 }) })
      await other.start()
      await waitFor(() => other.store.getJob(requestId)?.state === 'done', { what: 'the resumed private request to be fulfilled', timeoutMs: 120_000 })
      const [fulfilled] = await eventsOf(chain, 'ResultFulfilled', requestId)
      expect(fulfilled!.args.outputWords).toEqual((await privateModel.inferWords(words)).outputWords)
      expect(fulfilled!.args.fulfiller).toBe(other.address)
    } finally {
      await other.stop()
    }
  })

  test('off-chain inference with a proof of a private-input model: the proof shows a commitment with a fresh salt, both returned', async () => {
    const response = await app.request('/v1/inference', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: privateModel.name, input, prove: true }) })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { proof: { publicSignals: string[]; salt: string; commitment: string } }
    const commitment = await commitInput({ inputWords: wordsOf(input), salt: BigInt(body.proof.salt) })
    expect(body.proof.commitment).toBe(String(commitment))
    expect(body.proof.publicSignals[0]).toBe(String(commitment))
    // The prover's memory after its last proof is on /metrics (a process past proverMaxRssMiB is replaced).
    const rss = /^veridict_prover_rss_bytes (\d+)$/m.exec(await (await app.request('/metrics')).text())
    expect(Number(rss?.[1])).toBeGreaterThan(50 * 2 ** 20)
  })

  test('refuses an input for a request past its deadline', async () => {
    const words = wordsOf(input)
    const salt = randomSalt()
    const requestId = await requestPrivately(words, salt, 60)
    await chain.client.request({ method: 'evm_increaseTime', params: [120] } as never)
    await chain.client.request({ method: 'evm_mine', params: [] } as never)
    await waitFor(() => node.follower.headTimestamp !== undefined && Number(node.follower.headTimestamp) > node.store.getJob(requestId)!.deadline, { what: 'the node to see a block past the deadline' })
    const response = await post({ requestId: String(requestId), encrypted: wire(await encryptInputFor({ publicKey: nodeKey, inputWords: words, salt })) })
    expect(response.status).toBe(409)
    expect(await error(response)).toEqual({ code: 'request_closed', message: expect.stringMatching(/takes no input any more: its deadline \(.*\) has passed/) })
    expect(node.store.getJob(requestId)?.encryptedInput).toBeUndefined()
  })
})
