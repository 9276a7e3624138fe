import { rmSync } from 'node:fs'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { digitConsumerAbi, hashWords, inferenceOracleAbi, operatorStakingAbi } from '@veridict/sdk'
import { type DemoReport, type Devnet, DEVNET_ACCOUNTS, referenceOutputWords, RequestStatus, runDemo, startDevnet } from '@veridict/oracle/testing'

/** `npm start -- --demo-only` without the terminal: the same network and scenario, every result checked on-chain here. */
describe('devnet: the npm start scenario, headless', () => {
  let devnet: Devnet
  let report: DemoReport

  beforeAll(async () => {
    // A 30 s challenge window, not the demo's 12 s: the watchtower is started only after the lie and
    // must start, prove and dispute inside the window, which a loaded 2-core CI machine once missed.
    devnet = await startDevnet({ tempDir: true, challengeWindow: 30n })
    report = await runDemo(devnet)
  }, 300_000)

  afterAll(async () => {
    await devnet?.stop()
    if (devnet) rmSync(devnet.dataDir, { recursive: true, force: true })
  })

  const oracle = () => devnet.deployment.contracts.inferenceOracle
  /** The Request the request committed to (its InferenceRequested event). */
  const requestOf = async (requestId: bigint) =>
    (await devnet.publicClient.getContractEvents({ address: oracle(), abi: inferenceOracleAbi, eventName: 'InferenceRequested', args: { requestId }, fromBlock: devnet.deployment.deploymentBlock, strict: true }))[0]!.args.request
  const resultOf = (requestId: bigint) => devnet.publicClient.readContract({ address: oracle(), abi: inferenceOracleAbi, functionName: 'getResult', args: [requestId] })
  /** The oracle keeps a result's output hash with its lowest byte cleared (it holds the status). */
  const stored = (hash: Hex) => `${hash.slice(0, 64)}00` as Hex
  const events = <const N extends 'ResultFulfilled' | 'AttestationSubmitted' | 'ResultFinalized' | 'AttestationDisputed'>(eventName: N, requestId: bigint) =>
    devnet.publicClient.getContractEvents({ address: oracle(), abi: inferenceOracleAbi, eventName, args: { requestId } as never, fromBlock: devnet.deployment.deploymentBlock, strict: true })
  const user = () => devnet.account(DEVNET_ACCOUNTS.user).address

  test('every check of the demo passed', () => {
    expect(report.checks.filter((c) => !c.ok)).toEqual([])
    expect(report.checks.length).toBeGreaterThanOrEqual(14)
  })

  test('ZK: the consumer request is Fulfilled with the reference output, proved by an operator, and the consumer acted on it', async () => {
    const { requestId, input } = report.zk
    const expected = await referenceOutputWords(devnet.models.digits.dir, input)
    expect(await resultOf(requestId)).toEqual([RequestStatus.Fulfilled, stored(hashWords(expected))])
    const request = await requestOf(requestId)
    expect(request.requester).toBe(devnet.consumer)
    const [fulfilled] = await events('ResultFulfilled', requestId)
    expect(fulfilled!.args.outputWords).toEqual(expected)
    expect(devnet.nodes.map((n) => n.operator)).toContain(fulfilled!.args.fulfiller)
    const [known, digit] = await devnet.publicClient.readContract({ address: devnet.consumer, abi: digitConsumerAbi, functionName: 'digitOf', args: [requestId] })
    expect(known).toBe(true)
    expect(digit).toBe(report.zk.result.output!.class)
    expect(digit).toBe(devnet.models.digits.testset.labels[0])
  })

  test('ATTESTED: quorum 2 of the honest operators signed the reference output and it was Finalized after the window', async () => {
    const { requestId, input } = report.attested
    const expected = await referenceOutputWords(devnet.models.iris.dir, input)
    expect(await resultOf(requestId)).toEqual([RequestStatus.Finalized, stored(hashWords(expected))])
    const [submitted] = await events('AttestationSubmitted', requestId)
    expect(submitted!.args.outputWords).toEqual(expected)
    expect(submitted!.args.signers.length).toBeGreaterThanOrEqual(2)
    for (const signer of submitted!.args.signers) expect(devnet.nodes.map((n) => n.operator)).toContain(signer)
    const [finalized] = await events('ResultFinalized', requestId)
    const block = await devnet.publicClient.getBlock({ blockNumber: finalized!.blockNumber })
    expect(block.timestamp).toBeGreaterThanOrEqual(submitted!.args.challengeEnd)
  })

  test('one node down: another operator proved the request', async () => {
    const { requestId, input, stopped } = report.oneNodeDown
    const expected = await referenceOutputWords(devnet.models.digits.dir, input)
    expect(await resultOf(requestId)).toEqual([RequestStatus.Fulfilled, stored(hashWords(expected))])
    const [fulfilled] = await events('ResultFulfilled', requestId)
    const stoppedOperator = devnet.nodes.find((n) => n.name === stopped)!.operator
    expect(fulfilled!.args.fulfiller).not.toBe(stoppedOperator)
    expect(devnet.nodes.map((n) => n.operator)).toContain(fulfilled!.args.fulfiller)
  })

  test('every node down: the requester proved and fulfilled alone, the consumer got its callback and the fee went to the requester', async () => {
    const { requestId, input, earned } = report.escapeHatch
    const expected = await referenceOutputWords(devnet.models.digits.dir, input)
    expect(await resultOf(requestId)).toEqual([RequestStatus.Fulfilled, stored(hashWords(expected))])
    const [fulfilled] = await events('ResultFulfilled', requestId)
    expect(fulfilled!.args.fulfiller).toBe(user())
    expect(fulfilled!.args.outputWords).toEqual(expected)
    const [known, digit] = await devnet.publicClient.readContract({ address: devnet.consumer, abi: digitConsumerAbi, functionName: 'digitOf', args: [requestId] })
    expect([known, digit]).toEqual([true, report.escapeHatch.result.output!.class])
    // The requester proved it and delivered the callback: the fee, plus the prepaid callback gas
    // (what the callback used, as its deliverer; the rest, as the request's payer), plus the unused
    // callback gas of its earlier requests, which it withdrew at the same time.
    const request = await requestOf(requestId)
    expect(request.payer).toBe(user())
    expect(earned).toBeGreaterThanOrEqual(request.fee + BigInt(request.callbackGasLimit) * request.callbackGasPrice)
  })

  test('fraud: the liar attested a wrong output, a watchtower disputed it with the reference output, the liar lost its whole stake', async () => {
    const { requestId, input, liar } = report.fraud
    const expected = await referenceOutputWords(devnet.models.iris.dir, input)
    expect(await resultOf(requestId)).toEqual([RequestStatus.Fulfilled, stored(hashWords(expected))])
    const [submitted] = await events('AttestationSubmitted', requestId)
    expect(submitted!.args.signers).toEqual([liar])
    expect(submitted!.args.record.outputHash).not.toBe(hashWords(expected))
    const [disputed] = await events('AttestationDisputed', requestId)
    expect(disputed!.args.outputWords).toEqual(expected)
    expect(disputed!.args.attestedOutputHash).toBe(submitted!.args.record.outputHash)
    expect(devnet.nodes.map((n) => n.operator)).toContain(disputed!.args.disputer)
    const operator = await devnet.publicClient.readContract({ address: devnet.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [liar] })
    expect(operator).toMatchObject({ slashed: true, stake: 0n })
    expect(disputed!.args.slashed).toBe(10n ** 18n)
    const slashes = await devnet.publicClient.getContractEvents({ address: devnet.deployment.contracts.operatorStaking, abi: operatorStakingAbi, eventName: 'OperatorSlashed', args: { account: liar }, fromBlock: devnet.deployment.deploymentBlock, strict: true })
    expect(slashes.map((s) => s.args.amount)).toEqual([10n ** 18n])
    // The requester's fee is refunded and it gets 25% of the slashed stake, at most MAX_BOUNTY (0.1 ETH).
    const balance = await devnet.publicClient.readContract({ address: oracle(), abi: inferenceOracleAbi, functionName: 'balanceOf', args: [user()] })
    expect(devnet.deployment.parameters.maxBounty).toBe(10n ** 17n)
    expect(balance).toBe(devnet.models.iris.fee + 10n ** 17n)
  })

  test('the network is whole again afterwards: the three nodes answer on their HTTP API', async () => {
    expect(devnet.nodes.every((n) => n.isRunning)).toBe(true)
    const responses = await Promise.all(devnet.nodes.map((n) => fetch(`${n.url}/v1/models`).then((r) => r.json() as Promise<{ models: { name: string }[] }>)))
    for (const body of responses) expect(body.models.map((m) => m.name).sort()).toEqual(['digits', 'digits_private', 'iris'])
  })

  test('private: the request carried the commitment alone, the delegated operator proved the reference output', async () => {
    const { requestId, commitment, operator, input } = report.private
    const [requested] = await devnet.publicClient.getContractEvents({ address: oracle(), abi: inferenceOracleAbi, eventName: 'InferenceRequested', args: { requestId }, fromBlock: devnet.deployment.deploymentBlock, strict: true })
    expect(requested!.args.inputWords).toEqual([commitment])
    const [fulfilled] = await events('ResultFulfilled', requestId)
    expect(fulfilled!.args.fulfiller).toBe(operator)
    expect(fulfilled!.args.outputWords).toEqual(await referenceOutputWords(devnet.models.digits_private.dir, input))
    expect(report.private.inputOnChain).toBe(false)
  })
})
