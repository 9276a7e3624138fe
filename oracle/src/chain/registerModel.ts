import { createRequire } from 'node:module'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Abi, Address, Hex, PublicClient, WalletClient, Account, Chain } from 'viem'
import { computeModelId, loadCompiledModel } from '../../../circuits/src/index.js'
import { readArtifact } from '../../../contracts/script/artifacts.js'
import { modelRegistryAbi } from '../../../sdk/src/abi/modelRegistryAbi.js'
import { TransactionError } from '../errors/node.js'

export type RegisterModelParameters = {
  publicClient: PublicClient
  walletClient: WalletClient
  account: Account
  chain: Chain
  registry: Address
  /** A compiled (and, for ZK mode, set-up) model folder. */
  dir: string
  fee: bigint
  metadataURI?: string | undefined
}

export type RegisterModelReturnType = { modelId: Hex; verifier: Address | undefined; adapter: Address | undefined }

/**
 * Registers a compiled model: compiles its generated Groth16 verifier with solc-js, deploys it and a
 * Groth16VerifierAdapter in front of it, then calls ModelRegistry.registerModel. A model without a
 * circuit is registered without a verifier (ATTESTED mode only).
 */
export async function registerModel({ publicClient, walletClient, account, chain, registry, dir, fee, metadataURI = '' }: RegisterModelParameters): Promise<RegisterModelReturnType> {
  const { dir: abs, manifest } = await loadCompiledModel(dir)
  // An attested-only model (no circuit) has no setup; its id uses a zero verification-key hash, as ServedModel computes it.
  const modelId = manifest.modelId ?? (manifest.circuit ? undefined : computeModelId(manifest.onnx.keccak256, manifest.quantization.keccak256, undefined))
  if (!modelId) throw new TransactionError({ action: 'model register', reason: `${abs} has no modelId yet; run setup first` })
  const deploy = async (abi: Abi, bytecode: Hex, args: readonly unknown[] = []) => {
    const hash = await walletClient.deployContract({ abi, bytecode, args, account, chain } as never)
    const receipt = await publicClient.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new TransactionError({ action: 'model register', reason: `deployment ${hash} failed` })
    return receipt.contractAddress
  }
  let verifier: Address | undefined
  let adapter: Address | undefined
  if (manifest.artifacts.verifier && manifest.setup) {
    const source = await readFile(join(abs, manifest.artifacts.verifier), 'utf8')
    const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
    const output = JSON.parse(
      solc.compile(JSON.stringify({ language: 'Solidity', sources: { 'V.sol': { content: source } }, settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } })),
    ) as { contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>; errors?: { severity: string; formattedMessage: string }[] }
    const artifact = output.contracts?.['V.sol']?.[manifest.setup.verifierContract]
    if (!artifact) throw new TransactionError({ action: 'model register', reason: `solc could not compile ${manifest.artifacts.verifier}: ${output.errors?.filter((e) => e.severity === 'error').map((e) => e.formattedMessage).join('; ')}` })
    verifier = await deploy(artifact.abi, `0x${artifact.evm.bytecode.object}`)
    const adapterArtifact = readArtifact('Groth16VerifierAdapter.sol', 'Groth16VerifierAdapter')
    adapter = await deploy(adapterArtifact.abi, adapterArtifact.bytecode, [verifier, BigInt(manifest.publicSignals.count)])
  }
  const hash = await walletClient.writeContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: 'registerModel',
    args: [
      modelId,
      {
        verifier: adapter ?? '0x0000000000000000000000000000000000000000',
        inputValues: manifest.input.count,
        inputBits: manifest.input.bits,
        outputValues: manifest.output.count,
        outputBits: manifest.output.bits,
        fee,
        metadataURI,
      },
    ],
    account,
    chain,
  })
  const receipt = await publicClient.waitForTransactionReceipt({ hash })
  if (receipt.status !== 'success') throw new TransactionError({ action: 'model register', reason: `registerModel ${hash} reverted` })
  return { modelId, verifier, adapter }
}
