import { createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { inferenceOracleAbi } from '@veridict/sdk'
import { anvilPrivateKeys, eventsOf, freePort, nodeConfig, RequestStatus, type RunningNode, startTestChain, startTestNode, statusOf, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * A watched request (an attested request a node does not attest: it recomputes it to dispute a
 * wrong result) that nobody attests must not keep its job open forever (issue 17): once the
 * follower has read past its deadline with the request still open, the job is cancelled, and so
 * pruned in time. The follower lags the head by `confirmations`, so the deadline counts only once
 * the processed blocks pass it: an attestation mined before the deadline but not read yet is still
 * watched to its end.
 */
describe('a watched request that expires', () => {
  /** The watchtower's follower lags 20 blocks (20 s): longer than the deadlines below leave. */
  const CONFIRMATIONS = 20
  let chain: TestChain
  let attester: RunningNode
  let watchtower: RunningNode

  beforeAll(async () => {
    chain = await startTestChain({ challengeWindow: 6n, blockTime: 1 })
    await chain.registerOperator(1)
    attester = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['attested'] }), 1)
    // ZK only (no registration needed): it watches every attested request.
    watchtower = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['zk'], watchtower: true, confirmations: CONFIRMATIONS }), 2)
    await waitFor(() => attester.node.health().ok && watchtower.node.health().ok, { what: 'both nodes to follow the chain' })
  })

  afterAll(async () => {
    await Promise.all([attester?.stop(), watchtower?.stop()])
    await chain?.stop()
  })

  const latest = () => chain.client.getBlock({ blockTag: 'latest' })

  test('a watched request nobody attests is cancelled once the follower is past its deadline; its refund changes nothing', async () => {
    // Quorum 2 with one operator: nobody can attest it.
    const requestId = await chain.request({ input: chain.testInputs[0]!, mode: 'attested', quorum: 2, deadlineSeconds: 5 })
    const watched = await waitFor(() => watchtower.node.store.getJob(requestId), { what: 'the watchtower to see the request', timeoutMs: 60_000 })
    expect(watched.action).toBe('watch')
    const deadline = BigInt(watched.deadline)

    // The head is past the deadline, the watchtower's follower is not: the job waits.
    await waitFor(async () => (await latest()).timestamp > deadline + 3n, { what: 'the head to pass the deadline' })
    expect(watchtower.node.store.getJob(requestId)!.state).not.toBe('cancelled')

    // Bounded: the follower's lag, and a few seconds.
    const cancelled = await waitFor(() => watchtower.node.store.getJob(requestId)?.state === 'cancelled', { what: 'the watch job to be cancelled', timeoutMs: (CONFIRMATIONS + 15) * 1_000 })
    expect(cancelled).toBe(true)
    expect(await statusOf(chain, requestId)).toBe(RequestStatus.Requested)
    const note = watchtower.node.store.history(requestId).at(-1)!.note
    expect(note).toMatch(/^deadline .* passed without an attestation \(on-chain status Requested\)$/)
    // The attester's own job (a quorum it never had) ends the same way.
    await waitFor(() => attester.node.store.getJob(requestId)?.state === 'cancelled', { what: "the attester's job to be cancelled" })
    expect(attester.node.store.history(requestId).at(-1)!.note).toMatch(/without a quorum/)

    // The requester takes the fee back; both jobs stay cancelled, once.
    const wallet = createWalletClient({ account: privateKeyToAccount(anvilPrivateKeys[5]!), chain: chain.client.chain, transport: http(chain.anvil.rpcUrl) })
    const hash = await wallet.writeContract({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, functionName: 'refund', args: [watched.commitment], chain: null })
    const { blockNumber } = await chain.client.waitForTransactionReceipt({ hash })
    expect(await statusOf(chain, requestId)).toBe(RequestStatus.Refunded)
    await waitFor(() => (watchtower.node.store.getCursor()?.blockNumber ?? 0n) >= blockNumber, { what: 'the watchtower to read the refund', timeoutMs: (CONFIRMATIONS + 15) * 1_000 })
    for (const node of [watchtower, attester]) {
      const history = node.node.store.history(requestId)
      expect(history.filter((h) => h.to === 'cancelled')).toHaveLength(1)
      expect(node.node.store.getJob(requestId)!.state).toBe('cancelled')
    }
  })

  test('an attestation mined before the deadline, read by the lagging follower after it, is watched to its final result', async () => {
    const requestId = await chain.request({ input: chain.testInputs[1]!, mode: 'attested', quorum: 1, deadlineSeconds: 15 })
    // The watchtower sees the request only CONFIRMATIONS blocks later, after its deadline.
    const watched = await waitFor(() => watchtower.node.store.getJob(requestId), { what: 'the watchtower to see the request', timeoutMs: 60_000 })
    const deadline = BigInt(watched.deadline)
    const [submitted] = await waitFor(async () => {
      const events = await eventsOf(chain, 'AttestationSubmitted', requestId)
      return events.length > 0 && events
    }, { what: 'the attestation' })
    // The case at hand: the head passed the deadline before the watchtower's follower could read the attestation.
    const attestedIn = (submitted as unknown as { blockNumber: bigint }).blockNumber
    await waitFor(async () => (await latest()).number >= attestedIn + BigInt(CONFIRMATIONS), { what: 'the follower to reach the attestation', timeoutMs: 60_000 })
    expect((await chain.client.getBlock({ blockNumber: attestedIn + BigInt(CONFIRMATIONS) })).timestamp).toBeGreaterThan(deadline)

    await waitFor(async () => (await statusOf(chain, requestId)) === RequestStatus.Finalized, { what: 'finalization', timeoutMs: 60_000 })
    await waitFor(() => watchtower.node.store.getJob(requestId)?.state === 'done', { what: 'the watch job to be done', timeoutMs: (CONFIRMATIONS + 30) * 1_000 })
    const history = watchtower.node.store.history(requestId).map((h) => h.to)
    expect(history).toContain('attested')
    expect(history).not.toContain('cancelled')
    expect(attester.node.store.getJob(requestId)!.state).toBe('done')
  })
})
