import { keccak256, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { hashWords, inferenceOracleAbi, operatorStakingAbi } from '@veridict/sdk'
import { anvilPrivateKeys, type Attestation, freePort, nodeConfig, type RunningNode, signAttestationBatch, signPeerRequest, startTestChain, startTestNode, type TestChain, waitFor } from '@veridict/oracle/testing'

let chain: TestChain
let node: RunningNode

beforeAll(async () => {
  chain = await startTestChain({ challengeWindow: 6n })
  await chain.registerOperator(1)
  await chain.registerOperator(2)
  await chain.registerOperator(3)
  node = await startTestNode(nodeConfig(chain, { httpPort: await freePort(), modes: ['attested'] }), 1)
})

afterAll(async () => {
  await node?.stop()
  await chain?.stop()
})

/** POSTs `payload` to the node's peer API as operator `caller` (anvil account index) signs it. */
async function postToPeerApi(payload: unknown, caller: number): Promise<Response> {
  const body = JSON.stringify(payload)
  const headers = await signPeerRequest({ account: privateKeyToAccount(anvilPrivateKeys[caller]!), domain: { chainId: chain.anvil.chainId, oracle: chain.deployment.contracts.inferenceOracle }, body })
  return fetch(`${node.peerUrl}/v1/attestations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
}

test('a node that receives two signatures by one operator for different outputs reports it, and the operator is slashed', async () => {
  const input = chain.testInputs[0]!
  const requestId = await chain.request({ input, mode: 'attested', quorum: 2 })
  await waitFor(() => node.node.store.getJob(requestId) !== undefined, { what: 'the node to see the request' })

  const equivocator = privateKeyToAccount(anvilPrivateKeys[2]!)
  const domain = { chainId: chain.anvil.chainId, oracle: chain.deployment.contracts.inferenceOracle }
  const post = async (outputWords: bigint[]) => {
    const attestation: Attestation = { requestId, modelId: chain.modelId, inputHash: hashWords(chain.inputWords(input)), outputHash: hashWords(outputWords), traceRoot: keccak256(toHex(`trace of ${outputWords.join()}`)) }
    // Peers exchange signatures over a batch of one, what submitAttestations takes.
    const signature = await signAttestationBatch(equivocator, domain, [attestation])
    const response = await postToPeerApi({ ...attestation, requestId: String(requestId), outputWords: outputWords.map(String), signer: equivocator.address, signature }, 2)
    expect(response.status).toBeLessThan(300)
  }
  await post([1n])
  await post([2n])

  const staking = chain.deployment.contracts.operatorStaking
  await waitFor(async () => (await chain.client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [equivocator.address] })).slashed, {
    what: 'the equivocating operator to be slashed',
  })
  const reports = await chain.client.getContractEvents({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, eventName: 'EquivocationReported', fromBlock: 0n, strict: true })
  expect(reports).toHaveLength(1)
  expect(reports[0]!.args.operator).toBe(equivocator.address)
  expect(reports[0]!.args.reporter).toBe(node.node.address)
  expect(await chain.client.readContract({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, functionName: 'balanceOf', args: [node.node.address] })).toBeGreaterThan(0n)
  // The node counts the report when it sees its own transaction's receipt, which can come a poll after the slash is visible.
  await waitFor(async () => /veridict_equivocations_reported_total 1/.test(await (await fetch(`${node.url}/metrics`)).text()), { what: 'the node to count its report' })
})

test('a batch of peer attestations gets one result each, and a bad one fails alone', async () => {
  const input = chain.testInputs[1]!
  const requestId = await chain.request({ input, mode: 'attested', quorum: 3 })
  await waitFor(() => node.node.store.getJob(requestId) !== undefined, { what: 'the node to see the request' })
  const domain = { chainId: chain.anvil.chainId, oracle: chain.deployment.contracts.inferenceOracle }
  const attestation: Attestation = { requestId, modelId: chain.modelId, inputHash: hashWords(chain.inputWords(input)), outputHash: hashWords([7n]), traceRoot: keccak256(toHex('trace of 7')) }
  const signed = async (keyIndex: number) => {
    const account = privateKeyToAccount(anvilPrivateKeys[keyIndex]!)
    const signature = await signAttestationBatch(account, domain, [attestation])
    return { ...attestation, requestId: String(requestId), outputWords: ['7'], signer: account.address, signature }
  }
  const response = await postToPeerApi({ attestations: [await signed(3), await signed(4)] }, 3)
  expect(response.status).toBe(200)
  const { results } = (await response.json()) as { results: { accepted: boolean; error?: { code: string; message: string } }[] }
  expect(results[0]).toEqual({ accepted: true, duplicate: false })
  expect(results[1]!.accepted).toBe(false)
  expect(results[1]!.error?.message).toMatch(/is not an active operator/)
  expect(node.node.store.signatures(requestId).map((s) => s.signer)).toContain(privateKeyToAccount(anvilPrivateKeys[3]!).address)
})

test('an operator that signs two batches giving one request different outputs is reported from the batch signatures, and slashed', async () => {
  const inputs = [chain.testInputs[2]!, chain.testInputs[3]!]
  const requestIds = await chain.requestMany({ inputs, quorum: 2 })
  await waitFor(() => requestIds.every((id) => node.node.store.getJob(id) !== undefined), { what: 'the node to see the requests' })
  const equivocator = privateKeyToAccount(anvilPrivateKeys[3]!)
  const domain = { chainId: chain.anvil.chainId, oracle: chain.deployment.contracts.inferenceOracle }
  const postBatch = async (outputs: bigint[][]) => {
    const attestations: Attestation[] = requestIds.map((requestId, i) => ({ requestId, modelId: chain.modelId, inputHash: hashWords(chain.inputWords(inputs[i]!)), outputHash: hashWords(outputs[i]!), traceRoot: keccak256(toHex(`trace of ${outputs[i]!.join()}`)) }))
    const signature = await signAttestationBatch(equivocator, domain, attestations)
    const [first] = attestations
    const response = await postToPeerApi(
      {
        ...first,
        requestId: String(first!.requestId),
        outputWords: outputs[0]!.map(String),
        signer: equivocator.address,
        signature,
        batch: { requestIds: requestIds.map(String), outputHashes: attestations.map((a) => a.outputHash), traceRoots: attestations.map((a) => a.traceRoot) },
      },
      3,
    )
    expect(response.status).toBeLessThan(300)
  }
  // The same first output, a different second one: only the second request is equivocated.
  await postBatch([[1n], [2n]])
  await postBatch([[1n], [3n]])
  const staking = chain.deployment.contracts.operatorStaking
  await waitFor(async () => (await chain.client.readContract({ address: staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [equivocator.address] })).slashed, {
    what: 'the operator that signed both batches to be slashed',
  })
  const reports = await chain.client.getContractEvents({ address: chain.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, eventName: 'EquivocationReported', fromBlock: 0n, strict: true })
  const report = reports.find((r) => r.args.operator === equivocator.address)
  expect(report?.args.reporter).toBe(node.node.address)
  expect(report?.args.requestId).toBe(requestIds[1])
})
