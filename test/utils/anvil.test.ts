import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type Hex,
  type PublicClient,
  createPublicClient,
  createWalletClient,
  encodeAbiParameters,
  http,
  keccak256,
  parseEther,
  parseEventLogs,
  encodePacked,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

import { type Deployment, deployVeridict } from '@veridict/oracle/deploy'
import { type Anvil, anvilPrivateKeys, startAnvil } from '@veridict/oracle/testing'
import {
  attestationBatchTypes,
  committeeRoundAt,
  committeeSeed,
  computeDefinitionHash,
  computeModelId,
  eip712DomainName,
  eip712DomainVersion,
  holdsSeat,
  inferenceOracleAbi,
  type ModelDefinition,
  modelRegistryAbi,
  operatorStakingAbi,
  PROOF_SYSTEM_IDS,
  requestOptions,
} from '@veridict/sdk'

const fixture = JSON.parse(
  readFileSync(new URL('../../contracts/test/fixtures/square/fixture.json', import.meta.url), 'utf8'),
) as { a: Hex[]; b: Hex[][]; c: Hex[]; inputWords: Hex[]; outputWords: Hex[]; beneficiary: Hex; verificationKey: Hex }
const inputWords = fixture.inputWords.map(BigInt)
const outputWords = fixture.outputWords.map(BigInt)
const proof = encodeAbiParameters(
  [{ type: 'uint256[2]' }, { type: 'uint256[2][2]' }, { type: 'uint256[2]' }],
  [
    fixture.a.map(BigInt) as [bigint, bigint],
    fixture.b.map((row) => row.map(BigInt)) as [[bigint, bigint], [bigint, bigint]],
    fixture.c.map(BigInt) as [bigint, bigint],
  ],
)
const definition: ModelDefinition = {
  onnxHash: keccak256(encodePacked(['string'], ['veridict.anvil.square-plus-three.onnx'])),
  quantizationHash: keccak256(encodePacked(['string'], ['veridict.anvil.square-plus-three.quantization'])),
  parameters: { root: keccak256(encodePacked(['string'], ['veridict.anvil.square-plus-three.parameters'])), stages: 2 },
  proofSystem: 'groth16',
  verificationKeyHash: keccak256(fixture.verificationKey),
  input: { values: 1, bits: 16, private: false },
  output: { values: 1, bits: 32 },
  setup: { ptauHash: keccak256(encodePacked(['string'], ['fixture ptau'])), contributions: 1, insecure: true },
}
const modelId = computeModelId(computeDefinitionHash(definition), privateKeyToAccount(anvilPrivateKeys[0]!).address)
const hashWords = (words: bigint[]) => keccak256(encodePacked(['uint256[]'], [words]))

describe('anvil helper and deployVeridict', () => {
  let anvil: Anvil
  let deployment: Deployment
  let publicClient: PublicClient
  const outFile = join(mkdtempSync(join(tmpdir(), 'veridict-deploy-')), 'local.json')
  const deployer = privateKeyToAccount(anvilPrivateKeys[0])
  const gas: Record<string, bigint> = {}

  beforeAll(async () => {
    anvil = await startAnvil()
    publicClient = createPublicClient({ transport: http(anvil.rpcUrl) })
    deployment = await deployVeridict({ rpcUrl: anvil.rpcUrl, out: outFile })
  })

  afterAll(async () => {
    await anvil?.stop()
    if (Object.keys(gas).length > 0) console.log('transaction gas on anvil (21,000 intrinsic and calldata included):', gas)
  })

  function wallet(index: number) {
    return createWalletClient({
      account: privateKeyToAccount(anvilPrivateKeys[index]!),
      transport: http(anvil.rpcUrl),
      chain: foundry,
    })
  }

  async function send(label: string | undefined, hash: Promise<Hex>) {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash })
    expect(receipt.status).toBe('success')
    if (label) gas[label] = receipt.gasUsed
    return receipt
  }

  test('writes the addresses, chain id and deployment block', () => {
    const written = JSON.parse(readFileSync(outFile, 'utf8'))
    expect(written.chainId).toBe(31337)
    expect(written.deploymentBlock).toBe(deployment.deploymentBlock.toString())
    expect(written.contracts).toEqual(deployment.contracts)
    expect(written.deployer).toBe(deployer.address)
  })

  test('wires the staking contract to the oracle', async () => {
    const { operatorStaking, inferenceOracle, modelRegistry } = deployment.contracts
    for (const address of [operatorStaking, inferenceOracle, modelRegistry]) {
      expect((await publicClient.getCode({ address }))?.length).toBeGreaterThan(2)
    }
    const oracle = await publicClient.readContract({ address: operatorStaking, abi: operatorStakingAbi, functionName: 'ORACLE' })
    expect(oracle).toBe(inferenceOracle)
    const staking = await publicClient.readContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'STAKING' })
    expect(staking).toBe(operatorStaking)
  })

  test('serves a proved and an attested request end to end', async () => {
    const { operatorStaking, inferenceOracle, modelRegistry } = deployment.contracts
    const owner = wallet(0)
    const registration = {
      address: modelRegistry,
      abi: modelRegistryAbi,
      functionName: 'registerModel',
      args: [
        {
          onnxHash: definition.onnxHash,
          quantizationHash: definition.quantizationHash,
          parametersRoot: definition.parameters.root,
          stageCount: definition.parameters.stages,
          proofSystem: PROOF_SYSTEM_IDS.groth16,
          inputValues: 1,
          inputBits: 16,
          privateInput: false,
          outputValues: 1,
          outputBits: 32,
          setup: definition.setup,
        },
        fixture.verificationKey,
        parseEther('0.01'),
        '',
      ],
      account: owner.account,
    } as const
    // The registry derives the same id the SDK computes from the artifacts and the owner.
    expect((await publicClient.simulateContract(registration)).result).toBe(modelId)
    await send('registerModel (Groth16, 2 signals)', owner.writeContract(registration))
    const operators = [1, 2, 3].map(wallet).sort((x, y) => (x.account.address.toLowerCase() < y.account.address.toLowerCase() ? -1 : 1))
    for (const operator of operators) {
      await send(undefined, operator.writeContract({ address: operatorStaking, abi: operatorStakingAbi, functionName: 'register', value: parseEther('2') }))
    }

    const requester = wallet(4)
    const block = await publicClient.getBlock()
    const deadline = block.timestamp + 3600n
    const request = async (label: string | undefined, mode: number, quorum: number) => {
      const receipt = await send(
        label,
        requester.writeContract({
          address: inferenceOracle,
          abi: inferenceOracleAbi,
          functionName: 'requestInference',
          args: [
            modelId,
            inputWords,
            requestOptions({ mode, quorum, deadline }),
          ],
          value: parseEther('0.01'),
        }),
      )
      return parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })[0]!.args.request
    }
    await request(undefined, 0, 0)
    const zk = await request('requestInference (second request)', 0, 0)
    const attested = await request(undefined, 1, 3)

    const none = { outputHash: `0x${'00'.repeat(32)}`, traceRoot: `0x${'00'.repeat(32)}`, packed: 0n } as const
    await send(
      'fulfillWithProof (1 in, 1 out)',
      wallet(5).writeContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'fulfillWithProof', args: [zk, none, inputWords, outputWords, fixture.beneficiary, proof] }),
    )
    const [status, outputHash] = await publicClient.readContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'getResult', args: [zk.id] })
    expect(status).toBe(3)
    // The stored hash keeps the status in its lowest byte.
    expect(outputHash).toBe(`${hashWords(outputWords).slice(0, 64)}00`)

    // The committee is drawn from the hash of the block after the request: two more blocks.
    await publicClient.request({ method: 'anvil_mine' as never, params: ['0x2'] as never })
    const traceRoot = keccak256(encodePacked(['string'], ['veridict.anvil.square-plus-three.trace']))
    const attestation = { requestId: attested.id, modelId, inputHash: hashWords(inputWords), outputHash: hashWords(outputWords), traceRoot }
    const domain = { name: eip712DomainName, version: eip712DomainVersion, chainId: 31337, verifyingContract: inferenceOracle }
    const signatures = await Promise.all(
      operators.map((operator) =>
        operator.account.signTypedData({ domain, types: attestationBatchTypes, primaryType: 'AttestationBatch', message: { attestations: [attestation] } }),
      ),
    )
    const submitted = await send(
      'submitAttestations (3 signatures)',
      wallet(5).writeContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'submitAttestations', args: [[{ request: attested, outputWords, traceRoot }], signatures] }),
    )
    const { record } = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'AttestationSubmitted', logs: submitted.logs })[0]!.args
    await publicClient.request({ method: 'evm_increaseTime' as never, params: [86_400] as never })
    await send(
      'finalize (3 signers)',
      wallet(5).writeContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'finalize', args: [attested, record, outputWords] }),
    )
    const rewards = await publicClient.readContract({ address: operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [operators[0]!.account.address] })
    expect(rewards.rewards).toBeGreaterThan(0n)
  })
  test("the SDK's committee rules give the oracle's seats, for every operator and round", async () => {
    const { operatorStaking, inferenceOracle } = deployment.contracts
    // Unequal stakes and quorum 1 (expected committee 3 of 10 ETH): the 2-ETH operators sit with
    // probability 0.6, the 6-ETH one always, so seats differ between requests.
    const [first, ...others] = [1, 2, 3].map(wallet)
    await send(undefined, first!.writeContract({ address: operatorStaking, abi: operatorStakingAbi, functionName: 'addStake', value: parseEther('4') }))
    await publicClient.request({ method: 'anvil_mine' as never, params: ['0x1'] as never })
    const block = await publicClient.getBlock()
    const roundBlocks = await publicClient.readContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'ROUND_BLOCKS' })
    let seated = 0
    let checked = 0
    for (let i = 0; i < 6; i++) {
      const receipt = await send(
        undefined,
        wallet(4).writeContract({
          address: inferenceOracle,
          abi: inferenceOracleAbi,
          functionName: 'requestInference',
          args: [modelId, inputWords, requestOptions({ mode: 1, quorum: 1, deadline: block.timestamp + 3600n })],
          value: parseEther('0.01'),
        }),
      )
      const request = parseEventLogs({ abi: inferenceOracleAbi, eventName: 'InferenceRequested', logs: receipt.logs })[0]!.args.request
      for (const mined of [2n, roundBlocks]) {
        await publicClient.request({ method: 'anvil_mine' as never, params: [`0x${mined.toString(16)}`] as never })
        // A call runs in the next block: that is the block whose round the SDK computes.
        const next = (await publicClient.getBlockNumber({ cacheTime: 0 })) + 1n
        const round = committeeRoundAt(request, next, roundBlocks)
        const seedBlock = await publicClient.getBlock({ blockNumber: round.seedBlock })
        for (const operator of [first!, ...others]) {
          const record = await publicClient.readContract({ address: operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [operator.account.address] })
          const expected = round.open || holdsSeat(request, committeeSeed(seedBlock.hash, request.id), { account: operator.account.address, stake: record.stake, raisedAt: BigInt(record.raisedAt) })
          const actual = await publicClient.readContract({ address: inferenceOracle, abi: inferenceOracleAbi, functionName: 'isEntitled', args: [request, operator.account.address], blockTag: 'pending' })
          expect(actual, `request ${request.id}, round ${round.round}, ${operator.account.address}`).toBe(expected)
          if (actual) seated++
          checked++
        }
      }
    }
    expect(seated).toBeGreaterThan(0)
    expect(seated).toBeLessThan(checked)
  })
})
