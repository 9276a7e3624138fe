/**
 * A real Veridict deployment for the SDK's end-to-end tests: anvil, the contracts from
 * oracle/src/deploy/deploy.ts, the bundled 14x14 digits model compiled and set up by the circuits
 * package (cached in .cache/models), registered by the oracle's registerModel (its verifier
 * compiled and deployed behind the adapter) with its manifest served over HTTP, the example
 * DigitConsumer, and staked operators.
 */
import { readFile } from 'node:fs/promises'
import {
  type Account,
  type Address,
  type Hex,
  createPublicClient,
  createWalletClient,
  http,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { type Deployment, deployVeridict, readArtifacts } from '@veridict/oracle/deploy'
import { type Anvil, anvilPrivateKeys, registerModel, startAnvil, startModelHost } from '@veridict/oracle/testing'
import { ensureCompiledModel, type ModelManifest } from '@veridict/circuits'
import { BaseError, createVeridictClient, operatorStakingAbi, type VeridictClient } from '@veridict/sdk'

export const MODEL_FEE = parseEther('0.01')
export const CHALLENGE_WINDOW = 600n
export const CALLBACK_GAS_LIMIT = 150_000

export type Fixture = {
  anvil: Anvil
  deployment: Deployment
  modelDir: string
  manifest: ModelManifest
  modelId: Hex
  consumer: Address
  /** Held-out digits (196 pixels in [0, 1]) and their labels. */
  testset: { inputs: number[][]; labels: number[] }
  /** A Veridict client whose wallet is anvil account `index`. */
  client: (index: number) => VeridictClient
  account: (index: number) => Account
  /** Operators (anvil accounts 1..3), registered with 2 ETH each, in ascending address order. */
  operators: Account[]
  /** Advances anvil's clock by `seconds` and mines a block. */
  increaseTime: (seconds: bigint) => Promise<void>
  stop: () => Promise<void>
}

export async function setupFixture(): Promise<Fixture> {
  const testset = JSON.parse(await readFile(new URL('../../circuits/models/digits.testset.json', import.meta.url), 'utf8')) as {
    inputs: number[][]
    labels: number[]
    calibration: { inputs: number[][] }
  }
  const [compiled, anvil] = await Promise.all([
    ensureCompiledModel({
      onnx: new URL('../../circuits/models/digits.onnx', import.meta.url).pathname,
      name: 'digits',
      calibration: testset.calibration.inputs,
    }),
    startAnvil(),
  ])
  const { dir: modelDir, manifest } = compiled
  const deployment = await deployVeridict({ rpcUrl: anvil.rpcUrl, challengeWindow: CHALLENGE_WINDOW })
  const transport = http(anvil.rpcUrl)
  const publicClient = createPublicClient({ chain: foundry, transport, pollingInterval: 50 })
  const account = (index: number) => privateKeyToAccount(anvilPrivateKeys[index]!)
  const wallet = (index: number) => createWalletClient({ chain: foundry, transport, account: account(index), pollingInterval: 50 })
  const send = async (hash: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash, pollingInterval: 50 })
    if (receipt.status !== 'success') throw new BaseError(`Fixture transaction ${receipt.transactionHash} reverted.`)
    return receipt
  }

  const server = await startModelHost(modelDir)
  const owner = wallet(0)
  const { modelId } = await registerModel({
    publicClient,
    walletClient: owner,
    account: account(0),
    chain: foundry,
    registry: deployment.contracts.modelRegistry,
    dir: modelDir,
    fee: MODEL_FEE,
    metadataURI: `${server.url}/manifest.json`,
    allowInsecureSetup: true,
  })
  const { consumer } = readArtifacts({ consumer: ['DigitConsumer.sol', 'DigitConsumer'] })
  const consumerAddress = (
    await send(
      owner.deployContract({
        abi: consumer.abi,
        bytecode: consumer.bytecode,
        args: [deployment.contracts.inferenceOracle, modelId, manifest.output.bits, 0, 0, CALLBACK_GAS_LIMIT, { minContributions: 1, allowUnlistedCeremony: true, allowInsecure: true }],
      }),
    )
  ).contractAddress!

  const operators = [1, 2, 3].map(account).sort((x, y) => (x.address.toLowerCase() < y.address.toLowerCase() ? -1 : 1))
  for (const operator of operators) {
    const operatorWallet = createWalletClient({ chain: foundry, transport, account: operator })
    await send(operatorWallet.writeContract({ address: deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'register', value: parseEther('2') }))
  }

  return {
    anvil,
    deployment,
    modelDir,
    manifest,
    modelId,
    consumer: consumerAddress,
    testset,
    account,
    operators,
    client: (index) => createVeridictClient({ publicClient, walletClient: wallet(index), deployment, pollingInterval: 50 }),
    increaseTime: async (seconds) => {
      await publicClient.request({ method: 'evm_increaseTime' as never, params: [Number(seconds)] as never })
      await publicClient.request({ method: 'evm_mine' as never })
    },
    stop: async () => {
      await server.stop()
      await anvil.stop()
    },
  }
}
