import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createWalletClient, getAddress, http, parseEventLogs, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import {
  continueTrace,
  ensureCompiledModel,
  GAME_PHASES,
  gameSide,
  type GameSide,
  loadCompiledModel,
  quantizeInput,
  runTrace,
  stepArgs,
} from '@veridict/circuits'
import { anvilPrivateKeys, challengeAndPlay, REPO_ROOT, signAttestationBatch, startTestChain, type TestChain } from '@veridict/oracle/testing'
import {
  createVeridictClient,
  getDispute,
  hashWords,
  inferenceOracleAbi,
  operatorStakingAbi,
  packValues,
  requestOptions,
  traceDisputesAbi,
  type VeridictDispute,
  watchDisputes,
} from '@veridict/sdk'

/**
 * A trace game on anvil with the real contracts, played with the TypeScript moves a node will use:
 * LeNet-5 (the average-pool layout) served without a circuit, two staked operators attest a
 * run that is off by one in one value of conv1's 1,176 outputs (and consistent after it), and an
 * honest challenger bisects to that value over the trace tree and then conv1's word tree.
 */
let chain: TestChain
let dir: string
let input: number[]

beforeAll(async () => {
  const testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/lenet5-avg.testset.json'), 'utf8')) as { inputs: number[][]; calibration: { inputs: number[][] } }
  input = testset.inputs[0]!
  ;[chain, { dir }] = await Promise.all([
    startTestChain({ challengeWindow: 120n }),
    ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/lenet5-avg.onnx'), name: 'lenet5-avg', calibration: testset.calibration.inputs, circuit: false }),
  ])
}, 600_000)

async function waitForValue(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!ready()) {
    if (Date.now() > until) throw new Error('timed out waiting for the dispute watcher')
    await new Promise((r) => setTimeout(r, 50))
  }
}

afterAll(async () => {
  await chain?.stop()
})

test('a lying attestation of a model without a circuit is bisected to one value of one stage, and every signer is slashed', async () => {
  const { model, manifest } = await loadCompiledModel(dir)
  const { modelId } = await chain.registerModel(dir, 0)
  const wallet = (index: number) => createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[index]!), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) })
  const send = async (index: number, call: Parameters<ReturnType<typeof wallet>['writeContract']>[0]): Promise<TransactionReceipt> => {
    const receipt = await chain.client.waitForTransactionReceipt({ hash: await wallet(index).writeContract(call) })
    expect(receipt.status).toBe('success')
    return receipt
  }
  const operators = [await chain.registerOperator(1), await chain.registerOperator(2)]
  const { inferenceOracle: oracle, traceDisputes: games, operatorStaking: staking } = chain.deployment.contracts

  // The request, from account 5.
  const q = quantizeInput(model, input)
  const inputWords = packValues(q, model.inputBits)
  const now = (await chain.client.getBlock()).timestamp
  const requested = await send(5, {
    address: oracle,
    abi: inferenceOracleAbi,
    functionName: 'requestInference',
    args: [modelId, inputWords, requestOptions({ mode: 1, quorum: 2, deadline: now + 3600n })],
    value: 10n ** 16n,
  } as never)
  const request = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: requested.logs })[0]!.args.request
  await chain.client.request({ method: 'anvil_mine' as never, params: ['0x2'] as never })

  // The honest run, and the liars' run: one value of conv1's output off by one, every later stage computed from it.
  const tensors = runTrace(model, q)
  const lied = tensors.slice(0, 2).map((t) => [...t])
  const LIE_AT = 600
  lied[1]![LIE_AT]! += lied[1]![LIE_AT]! > 0n ? -1n : 1n
  const honest = gameSide(model, tensors)
  const liar: GameSide = gameSide(model, continueTrace(model, lied, 1), honest.parameters)
  expect(honest.parameters.parametersRoot).toBe(manifest.parameters.root)
  const outputWords = (side: GameSide) => packValues(side.tensors.at(-1)!, model.outputBits)

  // Both operators sign the lying run; account 3 submits it.
  const attestation = { requestId: request.id, modelId, inputHash: request.inputHash, outputHash: hashWords(outputWords(liar)), traceRoot: liar.trace.traceRoot }
  const domain = { chainId: chain.anvil.chainId, oracle }
  const signers = [1, 2].map((i) => privateKeyToAccount(anvilPrivateKeys[i]!)).sort((a, b) => (BigInt(a.address) < BigInt(b.address) ? -1 : 1))
  const signatures = await Promise.all(signers.map((account) => signAttestationBatch(account, domain, [attestation])))
  const submitted = await send(3, { address: oracle, abi: inferenceOracleAbi, functionName: 'submitAttestations', args: [[{ request, outputWords: outputWords(liar), traceRoot: liar.trace.traceRoot }], signatures] } as never)
  const { record } = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'AttestationSubmitted', logs: submitted.logs })[0]!.args

  // A dApp following the dispute through the SDK (the deployment file's addresses; the games' is read from the oracle).
  const veridict = createVeridictClient({ publicClient: chain.client as never, deployment: { chainId: chain.anvil.chainId, oracle, registry: chain.deployment.contracts.modelRegistry, staking }, pollingInterval: 50 })
  const seen: VeridictDispute[] = []
  const unwatch = await watchDisputes(veridict, { requestIds: [request.id], onDispute: (d) => seen.push(d) })

  // The honest challenger, account 4, posts its trace root and output with the bond ...
  // ... and challenges: the liars defend (account 3), the challenger answers (account 4), with the moves a node makes.
  const bond = await chain.client.readContract({ address: games, abi: traceDisputesAbi, functionName: 'BOND' })
  const { gameId, challenge: started, moves: played } = await challengeAndPlay({
    client: chain.client,
    games,
    request,
    attested: record,
    inputWords,
    sides: { defender: { side: liar, wallet: wallet(3) }, challenger: { side: honest, wallet: wallet(4) } },
  })
  const moves = [{ move: 'challenge', gas: started.gasUsed }]
  moves.push(...played.map((m) => ({ move: m.move === 'reveal' ? `reveal ${m.phase} (${m.role}, level ${m.level})` : m.move, gas: m.gas })))
  console.table(moves.map((m) => ({ move: m.move, gas: Number(m.gas) })))
  // The descent located conv1's output (tensor 1), and the one step recomputed the value that was changed.
  const stepped = await chain.client.getContractEvents({ address: games, abi: traceDisputesAbi, eventName: 'GameAdvanced', args: { gameId }, fromBlock: started.blockNumber, strict: true })
  expect(stepped.at(-1)!.args).toMatchObject({ phase: 5, tensor: 1 })
  expect(stepArgs(honest, { ...stepped.at(-1)!.args, depth: honest.trace.tensorTrees[1]!.depth })!.value).toBe(LIE_AT)

  const dispute = await getDispute(veridict, { gameId })
  expect(dispute).toMatchObject({ requestId: request.id, phase: 'over', tensor: 1, challengerTrace: honest.trace.traceRoot, defenderTrace: liar.trace.traceRoot, outcome: { attestersLost: true, reason: 'one step' } })
  await waitForValue(() => seen.at(-1)?.phase === 'over')
  unwatch()
  // Every state the dApp saw, in order: the trace descent, the tensor located, its descent, the end.
  expect(seen.map((d) => d.phase)).toEqual(['trace', 'locate', 'tensor', 'tensor', 'step', 'over'])

  const game = await chain.client.readContract({ address: games, abi: traceDisputesAbi, functionName: 'getGame', args: [gameId] })
  expect(GAME_PHASES[game.phase]).toBe('over')
  for (const operator of operators) {
    const record = await chain.client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [operator] })
    expect(record.slashed).toBe(true)
  }
  const [status] = await chain.client.readContract({ address: oracle, abi: inferenceOracleAbi, functionName: 'getRequestState', args: [request.id] })
  expect(status).toBe(1)
  expect(await chain.client.readContract({ address: games, abi: traceDisputesAbi, functionName: 'balanceOf', args: [getAddress(privateKeyToAccount(anvilPrivateKeys[4]!).address)] })).toBe(bond)
  // A round covers up to 5 levels of a tree, two transactions (one per side): the trace tree has
  // a leaf per tensor before the output, conv1's word tree a leaf per packed word of its output.
  const rounds = (depth: number) => 2 * Math.ceil(depth / 5)
  expect(moves.filter((m) => m.move.startsWith('reveal trace')).length).toBe(rounds(honest.trace.traceTree.depth))
  expect(moves.filter((m) => m.move.startsWith('reveal tensor')).length).toBe(rounds(honest.trace.tensorTrees[1]!.depth))
  expect(honest.trace.tensorTrees[1]!.depth).toBeGreaterThan(5)
}, 300_000)
