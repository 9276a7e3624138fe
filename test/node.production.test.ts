import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { generatePrivateKey } from 'viem/accounts'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { anvilPrivateKeys, eventsOf, exited, freePort, nodeConfig, type NodeConfigInput, REPO_ROOT, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, TcpProxy, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * A node as an operator runs it for real, against its own anvil: websocket and fallback RPCs, a gas
 * price cap, the startup checks that refuse a key that cannot serve, `veridict operator status`,
 * and the public API's keys and rate limit over a real listener.
 */
const run = promisify(execFile)
const veridict = join(REPO_ROOT, 'oracle/bin/veridict.mjs')

let chain: TestChain
const nodes: RunningNode[] = []

beforeAll(async () => {
  chain = await startTestChain({ blockTime: 1 })
  await chain.registerOperator(1)
  await chain.registerOperator(3)
})

// Each test's nodes stop with it, so no node of an earlier test serves a later test's request.
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

afterAll(async () => {
  await chain?.stop()
})

async function start(overrides: Omit<Partial<NodeConfigInput>, 'httpPort'>, key: number): Promise<RunningNode> {
  const node = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['zk'], ...overrides }), key)
  nodes.push(node)
  return node
}

/** Writes a node config file (for the CLI) and returns its path. */
function configFile(overrides: Omit<Partial<NodeConfigInput>, 'httpPort'>): string {
  const dir = mkdtempSync(join(tmpdir(), 'veridict-production-'))
  const file = join(dir, 'node.json')
  writeFileSync(file, JSON.stringify({ ...nodeConfig(chain, { httpPort: 0, ...overrides }), dataDir: join(dir, 'data'), logLevel: 'warn' }))
  return file
}

const metricsOf = async (node: RunningNode) => (await fetch(`${node.url}/metrics`)).text()

describe('RPC transports', () => {
  test('a ws:// RPC URL is spoken over a websocket: the node follows the chain and fulfils a ZK request', async () => {
    const node = await start({ rpcUrl: `ws://127.0.0.1:${chain.anvil.port}` }, 2)
    await node.node.startup
    const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'zk' })
    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'fulfilment over the websocket RPC', timeoutMs: 60_000 })
    expect((await eventsOf(chain, 'ResultFulfilled', requestId))[0]!.args.fulfiller).toBe(node.node.address)
  })

  test('when the primary RPC fails, calls move to the fallback and requests are still served; /metrics shows which endpoint answered', async () => {
    const proxy = new TcpProxy(await freePort(), chain.anvil.port)
    await proxy.start()
    try {
      const node = await start({ rpcUrl: proxy.url, rpcFallbackUrls: [chain.anvil.rpcUrl] }, 2)
      await node.node.startup
      await proxy.cut()
      const requestId = await chain.request({ input: chain.testInputs[1]!, mode: 'zk' })
      await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'fulfilment through the fallback RPC', timeoutMs: 60_000 })
      const metrics = await metricsOf(node)
      expect(metrics).toMatch(new RegExp(`veridict_rpc_calls_total\\{endpoint="http://127.0.0.1:${proxy.port}",result="error"\\} [1-9]`))
      expect(metrics).toMatch(new RegExp(`veridict_rpc_calls_total\\{endpoint="http://127.0.0.1:${chain.anvil.port}",result="ok"\\} [1-9]`))
      expect((await fetch(`${node.url}/health`)).status).toBe(200)
    } finally {
      await proxy.cut()
    }
  })
})

test('above maxGasPriceGwei no transaction is sent: the request waits, and /metrics counts the refusals', async () => {
  // 1 wei per gas: below any base fee anvil charges.
  const node = await start({ maxGasPriceGwei: 1e-9 }, 2)
  await node.node.startup
  const requestId = await chain.request({ input: chain.testInputs[2]!, mode: 'zk' })
  await waitFor(async () => /veridict_transactions_total\{[^}]*result="fee_cap"[^}]*\} [1-9]/.test(await metricsOf(node)), { what: 'a send refused for its gas price', timeoutMs: 30_000 })
  expect(await statusOf(chain, requestId)).toBe(RequestStatus.Requested)
  await node.stop()
  // Without the cap the same request is served (the capped node's job store said the send waits).
  await start({}, 2)
  await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'fulfilment without the cap', timeoutMs: 60_000 })
})

describe('startup checks', () => {
  test('attested mode with an unregistered key: the node refuses to serve, says how to register, and /health says why', async () => {
    const node = await start({ modes: ['zk', 'attested'] }, 4)
    await expect(node.node.startup).rejects.toThrowError(/is not registered in OperatorStaking 0x[0-9a-fA-F]{40}; run `veridict operator register --stake <eth>` with at least 1 ETH, or serve ZK requests only \(--modes zk\)/)
    const health = await fetch(`${node.url}/health`)
    expect(health.status).toBe(503)
    expect(((await health.json()) as { problems: string[] }).problems).toEqual([expect.stringMatching(/is not registered in OperatorStaking/)])
  })

  test('an RPC of another chain than chainId: the node refuses to serve and names both', async () => {
    const node = await start({ chainId: 1 }, 2)
    await expect(node.node.startup).rejects.toThrowError(/the RPC serves chain 31337, but chainId is 1: check rpcUrl and chainId/)
  })

  test('a key without ETH is refused, even for ZK only; `veridict node start` exits 1 with the reason', async () => {
    const key = generatePrivateKey()
    const child = spawn(process.execPath, [veridict, 'node', 'start', '--config', configFile({ modes: ['zk'] })], { cwd: REPO_ROOT, env: { ...process.env, VERIDICT_OPERATOR_KEY: key }, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await exited(child)
    expect(child.exitCode).toBe(1)
    expect(stderr).toMatch(/The node cannot serve as operator 0x[0-9a-fA-F]{40}:\n- the operator key 0x[0-9a-fA-F]{40} holds 0 ETH, not enough for one transaction \(at [\d.]+ gwei a transaction of 500000 gas costs [\d.]+ ETH\): send it ETH/)
  })

  test('stake unbonded below MIN_STAKE: `veridict operator status` says the operator cannot attest and why, and the node refuses attested mode', async () => {
    const cli = (args: string[]) => run(process.execPath, [veridict, ...args, '--config', configFile({ modes: ['attested'] })], { cwd: REPO_ROOT, env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[3] } })
    const before = JSON.parse((await cli(['operator', 'status'])).stdout) as Record<string, unknown>
    expect(before).toMatchObject({ registered: true, active: true, stakeEth: '1', lockedStakeEth: '0', minStakeEth: '1', canServe: true, problems: [] })
    await cli(['operator', 'unstake', '--amount', '0.5'])
    const after = await cli(['operator', 'status']).then(
      () => undefined,
      (error: { code: number; stdout: string }) => ({ code: error.code, status: JSON.parse(error.stdout) as Record<string, unknown> }),
    )
    expect(after?.code).toBe(1)
    expect(after?.status).toMatchObject({ registered: true, active: false, stakeEth: '0.5', unbondingEth: '0.5', canServe: false })
    expect(after?.status.problems).toEqual([expect.stringMatching(/the operator's stake \(0\.5 ETH\) is below MIN_STAKE \(1 ETH\), so its signatures do not count: run `veridict operator stake --amount 0\.5`/)])
    const node = await start({ modes: ['attested'] }, 3)
    await expect(node.node.startup).rejects.toThrowError(/below MIN_STAKE/)
  })

  test('a staked, funded operator starts; /health and /metrics show its balance, stake, locks and earnings', async () => {
    const node = await start({ modes: ['zk', 'attested'] }, 1)
    await node.node.startup
    await waitFor(async () => (await fetch(`${node.url}/health`)).status === 200, { what: 'the node to follow the chain' })
    const health = (await (await fetch(`${node.url}/health`)).json()) as { status: string; account: Record<string, unknown>; problems: string[] }
    expect(health.status).toBe('ok')
    expect(health.problems).toEqual([])
    expect(health.account).toMatchObject({ registered: true, active: true, slashed: false, stakeWei: '1000000000000000000', lockedStakeWei: '0', minStakeWei: '1000000000000000000' })
    expect(BigInt(health.account.balanceWei as string)).toBeGreaterThan(0n)
    const metrics = await metricsOf(node)
    for (const line of [/^veridict_operator_stake_wei 1000000000000000000$/m, /^veridict_operator_locked_stake_wei 0$/m, /^veridict_operator_active 1$/m, /^veridict_operator_balance_wei \d{19,}$/m, /^veridict_operator_rewards_wei \d+$/m, /^veridict_build_info\{version="\d+\.\d+\.\d+",node="v\d+\.\d+\.\d+"\} 1$/m])
      expect(metrics).toMatch(line)
  })
})

test('the public API over a real listener: an inference needs an API key when the node has keys, and a client is rate limited; reads stay open', async () => {
  const key = 'an-api-key-of-32-characters-ok!!'
  const node = await start({ apiKeys: [key], rateLimitPerMinute: 2 }, 2)
  await node.node.startup
  const infer = (headers: Record<string, string>) => fetch(`${node.url}/v1/inference`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: 'iris', input: chain.testInputs[0] }) })
  expect((await infer({})).status).toBe(401)
  expect((await infer({ authorization: `Bearer ${key}` })).status).toBe(200)
  expect((await infer({ authorization: `Bearer ${key}` })).status).toBe(200)
  const limited = await infer({ authorization: `Bearer ${key}` })
  expect(limited.status).toBe(429)
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  expect((await fetch(`${node.url}/v1/models`)).status).toBe(200)
  expect((await fetch(`${node.url}/v1/attestations`, { method: 'POST' })).status).toBe(404)
})
