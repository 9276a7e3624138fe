import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getAddress, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ensureCompiledModel, loadCompiledModel, quantizeInput } from '@veridict/circuits'
import { inferenceOracleAbi, operatorStakingAbi, packValues, traceDisputesAbi } from '@veridict/sdk'
import { anvilPrivateKeys, eventsOf, exited, freePort, killGroup, nodeConfig, REPO_ROOT, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * Trace games played by running nodes (docs/disputes.md) on anvil with the real contracts, over
 * LeNet-5 (average-pool layout) served without a circuit, so only a trace game can overturn a lie:
 *  - a lying attester is challenged by an honest watchtower, which is SIGKILLed mid-game, restarted
 *    from its data folder, and wins at the one step: the liar is slashed, the request reopens;
 *  - a false challenger (a lying watchtower) loses its bond at the one step against the honest
 *    attester, whose result then becomes final;
 *  - a false challenger that stops answering loses by timeout.
 */
describe('trace games between nodes', () => {
  let testset: { inputs: number[][]; calibration: { inputs: number[][] } }
  let compiledDir: string
  let inputs: bigint[][]
  /** The chain of the test running (each test has its own: a reopened request of one would be attested and challenged again in the next). */
  let chain: TestChain
  let modelsDir: string
  let modelId: `0x${string}`
  const chains: TestChain[] = []
  const nodes: RunningNode[] = []
  const children: ChildProcess[] = []

  beforeAll(async () => {
    testset = JSON.parse(await readFile(join(REPO_ROOT, 'circuits/models/lenet5-avg.testset.json'), 'utf8')) as typeof testset
    ;({ dir: compiledDir } = await ensureCompiledModel({ onnx: join(REPO_ROOT, 'circuits/models/lenet5-avg.onnx'), name: 'lenet5-avg', calibration: testset.calibration.inputs, circuit: false }))
    const { model } = await loadCompiledModel(compiledDir)
    inputs = testset.inputs.slice(0, 3).map((input) => packValues(quantizeInput(model, input), model.inputBits))
    modelsDir = mkdtempSync(join(tmpdir(), 'veridict-models-'))
    await cp(compiledDir, join(modelsDir, 'lenet5-avg'), { recursive: true })
  }, 600_000)

  /** A fresh anvil with the protocol, LeNet-5 registered and `operators` staked. */
  async function newChain(operators: number[]): Promise<void> {
    // A short window (the result waits for it), and moves of about a minute: a restarted node has time to answer.
    chain = await startTestChain({ challengeWindow: 12n, unbondingPeriod: 1_000n, blockTime: 1 })
    chains.push(chain)
    ;({ modelId } = await chain.registerModel(join(modelsDir, 'lenet5-avg'), 0))
    for (const operator of operators) await chain.registerOperator(operator)
  }

  afterAll(async () => {
    for (const child of children) killGroup(child, 'SIGKILL')
    await Promise.all(nodes.map((n) => n.stop()))
    await Promise.all(chains.map((c) => c.stop()))
  })

  const games = () => chain.deployment.contracts.traceDisputes
  const gamesOn = async (requestId: bigint) => chain.client.getContractEvents({ address: games(), abi: traceDisputesAbi, eventName: 'GameStarted', args: { requestId }, fromBlock: 0n, strict: true })
  const resolved = async (gameId: bigint) => (await chain.client.getContractEvents({ address: games(), abi: traceDisputesAbi, eventName: 'GameResolved', args: { gameId }, fromBlock: 0n, strict: true }))[0]
  const reveals = async (gameId: bigint) => (await chain.client.getContractEvents({ address: games(), abi: traceDisputesAbi, eventName: 'Revealed', args: { gameId }, fromBlock: 0n, strict: true })).length
  const operatorOf = (index: number) => chain.client.readContract({ address: chain.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [privateKeyToAccount(anvilPrivateKeys[index]!).address] })
  const bondsOf = (account: Address) => chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'balanceOf', args: [account] })
  const warp = async (seconds: bigint) => {
    await chain.client.request({ method: 'evm_increaseTime' as never, params: [`0x${seconds.toString(16)}`] as never })
    await chain.client.request({ method: 'anvil_mine' as never, params: ['0x1'] as never })
  }
  const request = (words: bigint[]) => chain.request({ words, mode: 'attested', quorum: 1, modelId })

  test('a lying attester is challenged; the challenger, killed mid-game, resumes from its kept trace and wins at the one step', async () => {
    // The liar (account 1) attests; the honest watchtower (account 2, no attested mode) runs in its own process.
    await newChain([1])
    const liar = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modelsDir, modes: ['attested'] }), 1, { dishonest: true })
    nodes.push(liar)
    const dir = mkdtempSync(join(tmpdir(), 'veridict-watchtower-'))
    const file = join(dir, 'node.json')
    const port = await freePort()
    writeFileSync(file, JSON.stringify({ ...nodeConfig(chain, { httpPort: port, modelsDir, modes: ['zk'], watchtower: true, logLevel: 'info' }), dataDir: join(dir, 'data') }))
    // Its log (both runs) in its folder, for a failure's post-mortem.
    const logFile = join(dir, 'node.log')
    const log = () => readFileSync(logFile, 'utf8')
    const start = () => {
      const out = openSync(logFile, 'a')
      const child = spawn(process.execPath, [join(REPO_ROOT, 'oracle/bin/veridict.mjs'), 'node', 'start', '--config', file], { cwd: REPO_ROOT, env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[2] }, stdio: ['ignore', out, out], detached: true })
      closeSync(out)
      children.push(child)
      return child
    }
    let watchtower = start()
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { what: 'the watchtower to start', timeoutMs: 60_000 })

    const requestId = await request(inputs[0]!)
    await waitFor(async () => (await gamesOn(requestId)).length > 0, { what: `the watchtower to challenge the lie (its log: ${logFile})`, timeoutMs: 60_000 })
    const [started] = await gamesOn(requestId)
    const { gameId } = started!.args
    expect(getAddress(started!.args.challenger)).toBe(getAddress(privateKeyToAccount(anvilPrivateKeys[2]!).address))
    // Its trace is on disk while the game is open.
    expect(readdirSync(join(dir, 'data', 'traces')).filter((f) => f.endsWith('.traces'))).toHaveLength(1)

    // Killed after the first round of the descent: no chance to checkpoint anything.
    await waitFor(async () => (await reveals(gameId)) >= 2, { what: 'the first round', intervalMs: 10, timeoutMs: 30_000 })
    killGroup(watchtower, 'SIGKILL')
    await exited(watchtower)
    const before = await chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'getGame', args: [gameId] })
    expect(before.phase).not.toBe(6)

    watchtower = start()
    await waitFor(async () => (await resolved(gameId)) !== undefined, { what: 'the game to end after the restart', timeoutMs: 90_000 })
    expect((await resolved(gameId))!.args).toMatchObject({ attestersLost: true, reason: 'one step' })
    expect(log()).not.toMatch(/kept trace unusable/)
    await waitFor(() => /trace game won/.test(log()), { what: 'the watchtower to count its win' })

    const slashed = await operatorOf(1)
    expect(slashed.slashed).toBe(true)
    // Overturned and open again; the challenger's bond is back for it to withdraw, with a bounty from the slash.
    expect(await statusOf(chain, requestId)).toBe(RequestStatus.Requested)
    const [overturned] = await chain.client.getContractEvents({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, eventName: 'AttestationOverturnedByTrace', args: { requestId }, fromBlock: 0n, strict: true })
    expect(overturned!.args.request.deadline).toBeGreaterThanOrEqual(started!.args.deadline)
    expect(await bondsOf(started!.args.challenger)).toBe(await chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'BOND' }))

    killGroup(watchtower, 'SIGTERM')
    await exited(watchtower)
    await liar.stop()
  }, 240_000)

  test('a false challenger loses its bond at the one step; the honest result then becomes final', async () => {
    await newChain([3])
    const honest = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modelsDir, modes: ['attested'] }), 3)
    const falseChallenger = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modelsDir, modes: ['zk'], watchtower: true }), 4, { dishonest: true })
    nodes.push(honest, falseChallenger)
    const treasury = chain.deployment.parameters.treasury
    const bond = await chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'BOND' })
    const treasuryBefore = await bondsOf(treasury)

    const requestId = await request(inputs[1]!)
    await waitFor(async () => (await gamesOn(requestId)).length > 0, { what: 'the false challenge', timeoutMs: 60_000 })
    const [started] = await gamesOn(requestId)
    await waitFor(async () => (await resolved(started!.args.gameId)) !== undefined, { what: 'the game to end', timeoutMs: 90_000 })
    expect((await resolved(started!.args.gameId))!.args).toMatchObject({ attestersLost: false, reason: 'one step' })
    expect(await bondsOf(treasury)).toBe(treasuryBefore + bond)
    expect((await operatorOf(3)).slashed).toBe(false)

    // The game held the result; once over and past the window, the attester finalizes it.
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Finalized, { what: 'the honest result to become final', timeoutMs: 60_000 })
    const [finalized] = await eventsOf(chain, 'ResultFinalized', requestId)
    expect(finalized!.args.outputHash).toBe(honest.node.store.getJob(requestId)!.outputHash)
    // Final: the attester's kept trace is released.
    // Its trace is kept until then (released within RESYNC_MS after, oracle/src/store/traceFiles.test.ts).
    const kept = honest.node.store.getTrace(requestId, honest.node.store.getJob(requestId)!.traceRoot!)!
    expect(existsSync(join(honest.node.config.dataDir, 'traces', kept.file))).toBe(true)
  }, 240_000)

  test('a false challenger that stops answering loses its bond by timeout', async () => {
    const [honest, falseChallenger] = nodes.slice(-2) as [RunningNode, RunningNode]
    const requestId = await request(inputs[2]!)
    await waitFor(async () => (await gamesOn(requestId)).length > 0, { what: 'the false challenge', timeoutMs: 60_000 })
    await falseChallenger.stop()
    const [started] = await gamesOn(requestId)
    const { gameId } = started!.args
    // The defender answers what it can (a reveal, or in Locate the tensor, then the next round's
    // reveal: a transaction each, on a busy machine too), then the challenger's turn runs out. Wait
    // until only the challenger can move: a bisection round (Trace 1, Tensor 3) the defender has
    // revealed first in, or Input / Step (4, 5), where the burden is the challenger's.
    await waitFor(async () => {
      const game = await chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'getGame', args: [gameId] })
      return game.phase === 1 || game.phase === 3 ? game.revealedBy === 1 : game.phase === 4 || game.phase === 5
    }, { what: "the game to wait on the challenger's move", timeoutMs: 90_000 })
    expect(await resolved(gameId)).toBeUndefined()
    const movePeriod = await chain.client.readContract({ address: games(), abi: traceDisputesAbi, functionName: 'MOVE_PERIOD' })
    await warp(movePeriod + 1n)
    await waitFor(async () => (await resolved(gameId)) !== undefined, { what: 'the timeout', timeoutMs: 30_000 })
    expect((await resolved(gameId))!.args).toMatchObject({ attestersLost: false, reason: 'timeout' })
    await waitFor(() => honest.node.store.getGame(gameId)?.status === 'over', { what: 'the defender to see the game end' })
  }, 240_000)
})
