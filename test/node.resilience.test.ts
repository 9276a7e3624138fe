import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { anvilPrivateKeys, eventsOf, exited, freePort, killGroup, nodeConfig, REPO_ROOT, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, TcpProxy, type TestChain, waitFor } from '@veridict/oracle/testing'

describe('resilience', () => {
  let chain: TestChain

  beforeAll(async () => {
    chain = await startTestChain()
  })

  afterAll(async () => {
    await chain?.stop()
  })

  test('a node SIGKILLed while proving resumes after restart and the request is fulfilled exactly once', async () => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'veridict-crash-'))
    const file = join(dir, 'node.json')
    writeFileSync(file, JSON.stringify({ ...nodeConfig(chain, { httpPort: port, modes: ['zk'], logLevel: 'info' }), dataDir: join(dir, 'data') }))
    const start = () => spawn(process.execPath, [join(REPO_ROOT, 'oracle/bin/veridict.mjs'), 'node', 'start', '--config', file], { cwd: REPO_ROOT, env: { ...process.env, VERIDICT_OPERATOR_KEY: anvilPrivateKeys[1] }, stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    const stateOf = async (requestId: bigint) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/requests/${requestId}`)
      return response.ok ? ((await response.json()) as { state: string }).state : undefined
    }

    let child = start()
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200, { what: 'the node to start', timeoutMs: 60_000 })
      const requestId = await chain.request({ input: chain.testInputs[3]!, mode: 'zk' })
      await waitFor(async () => (await stateOf(requestId)) === 'proving', { what: 'the node to be proving', intervalMs: 10, timeoutMs: 30_000 })
      // SIGKILL the whole process group (node and its prover processes): no chance to checkpoint.
      killGroup(child, 'SIGKILL')
      await exited(child)
      expect(await statusOf(chain, requestId)).toBe(RequestStatus.Requested)

      child = start()
      await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'fulfilment after restart', timeoutMs: 60_000 })
      await waitFor(async () => (await stateOf(requestId)) === 'done', { what: 'the job to be done' })
      expect(await eventsOf(chain, 'ResultFulfilled', requestId)).toHaveLength(1)
      const history = (await (await fetch(`http://127.0.0.1:${port}/v1/requests/${requestId}`)).json()) as { history: { to: string; note: string | null }[] }
      expect(history.history.map((h) => h.to)).toEqual(['pending', 'inferred', 'proving', 'inferred', 'proving', 'proved', 'submitted', 'done'])

      // Graceful shutdown on SIGTERM exits 0.
      killGroup(child, 'SIGTERM')
      await exited(child)
      expect(child.exitCode).toBe(0)
    } finally {
      killGroup(child, 'SIGKILL')
    }
  })

  test('the RPC goes away and comes back: the node backs off, then catches up without losing a request', async () => {
    const proxy = new TcpProxy(await freePort(), chain.anvil.port)
    await proxy.start()
    let node: RunningNode | undefined
    try {
      node = await startTestNode({ ...nodeConfig(chain, { httpPort: await freePort(), modes: ['zk'] }), rpcUrl: proxy.url }, 2)
      await waitFor(async () => (await fetch(`${node!.url}/health`)).status === 200, { what: 'the node to be healthy' })
      await proxy.cut()
      await waitFor(async () => (await fetch(`${node!.url}/health`)).status === 503, { what: 'health to report the RPC down' })
      const requestId = await chain.request({ input: chain.testInputs[4]!, mode: 'zk' })
      await new Promise((r) => setTimeout(r, 1_500))
      expect(node.node.store.getJob(requestId)).toBeUndefined()
      await proxy.start()
      await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Fulfilled, { what: 'catch-up and fulfilment', timeoutMs: 60_000 })
      expect((await eventsOf(chain, 'ResultFulfilled', requestId))[0]!.args.fulfiller).toBe(node.node.address)
      expect((await fetch(`${node.url}/health`)).status).toBe(200)
    } finally {
      await node?.stop()
      await proxy.cut()
    }
  })
})
