/**
 * The scripted demo, driven through the SDK as a dApp would: a DigitConsumer request proved in ZK
 * mode, an Iris request attested by a quorum of operators, a node down (the others serve), every
 * node down (the requester proves and fulfils alone), a lying operator disputed by a
 * watchtower and slashed, and a digit classified privately (the image encrypted to one operator,
 * only its commitment on-chain). Every step is checked on-chain; the report lists the checks.
 */
import { performance } from 'node:perf_hooks'
import { formatEther, parseEventLogs, type Address, type Hash, type Hex } from 'viem'
import {
  encodeInput,
  getResult,
  inferenceOracleAbi,
  operatorStakingAbi,
  quote,
  requestInference,
  waitForResult,
  WaitForResultTimeoutError,
  withdraw,
  type VeridictManifest,
  type VeridictResult,
} from '@veridict/sdk'
import { delegatePrivateInput, getEncryptionKey, requestPrivateInference } from '@veridict/sdk/private'
import { fulfillWithProof, proveLocally } from '@veridict/sdk/prover'
import { verifyResultOffchain } from '@veridict/sdk/verify'
import { digitConsumerAbi } from '@veridict/sdk'
import { carriesWord, chainTrafficSince } from './chainTraffic.js'
import { DevnetError } from './errors.js'
import { referenceOutputWords } from './referenceOutput.js'
import { DEVNET_ACCOUNTS, short, type Devnet, type DevnetModel } from './startDevnet.js'
import { formatSeconds, silentReporter, type Reporter } from './terminal.js'
import { waitFor } from './waitFor.js'

export type DemoCheck = { name: string; ok: boolean; detail: string | undefined }

export type DemoResult = {
  requestId: bigint
  /** The input values sent. */
  input: number[]
  requestTx: Hash
  requestGas: bigint
  result: VeridictResult
  /** Milliseconds from sending the request to the result shown. */
  latencyMs: number
}

export type DemoReport = {
  zk: DemoResult & { fulfillGas: bigint; consumerDigit: number }
  attested: DemoResult & { attestedMs: number; submitGas: bigint; finalizeTx: Hash; finalizeGas: bigint }
  oneNodeDown: DemoResult & { stopped: string; servedBy: string }
  escapeHatch: DemoResult & { proveSeconds: number; fulfillTx: Hash; fulfillGas: bigint; consumerDigit: number; earned: bigint }
  fraud: DemoResult & { liar: Address; attested: VeridictResult; disputer: Address; slashed: bigint; disputeTx: Hash; disputeGas: bigint; requesterBalance: bigint }
  private: DemoResult & { operator: Address; commitment: bigint; fulfillGas: bigint; inputOnChain: boolean }
  /** performance.now() (ms since this process started) when the first verified result was read. */
  firstVerifiedAt: number
  checks: DemoCheck[]
  ok: boolean
}

export type RunDemoParameters = {
  reporter?: Reporter | undefined
  /** The explorer's address, for links to the requests it shows. */
  explorerUrl?: string | undefined
}

const DEMO_TIMEOUT_MS = 90_000

export async function runDemo(devnet: Devnet, { reporter = silentReporter, explorerUrl }: RunDemoParameters = {}): Promise<DemoReport> {
  const checks: DemoCheck[] = []
  const check = (name: string, ok: boolean, detail?: string) => {
    checks.push({ name, ok, detail })
    if (ok) reporter.ok(detail ? `${name}: ${detail}` : name)
    else reporter.fail(`${name}${detail ? `: ${detail}` : ''}`)
    return ok
  }
  const user = devnet.sdk(DEVNET_ACCOUNTS.user)
  const { digits, iris } = devnet.models
  const nameOf = (address: Address) => [...devnet.nodes, devnet.liar].find((n) => n.operator.toLowerCase() === address.toLowerCase())?.name ?? (address.toLowerCase() === devnet.account(DEVNET_ACCOUNTS.user).address.toLowerCase() ? 'the requester' : address)
  const gasOf = async (hash: Hash) => (await devnet.publicClient.getTransactionReceipt({ hash })).gasUsed

  // 1. ZK mode, through a consumer contract.
  reporter.section('1. ZK mode: DigitConsumer asks the digits model (14x14 image → 10 scores), proved on-chain')
  const digitSample = 0
  const estimate = await quote(user, { modelId: digits.modelId, callback: devnet.consumer, callbackGasLimit: 150_000 })
  reporter.info(`quote (SDK): fee ${formatEther(estimate.fee)} ETH, fulfilment ≈ ${gas(estimate.modes.zk?.fulfilmentGas ?? 0n)} gas, ${estimate.modes.zk?.latency.description ?? ''}`)
  const zkRequest = await classifyDigit(devnet, digits.testset.inputs[digitSample]!)
  const zkResult = await waitForResult(user, { requestId: zkRequest.requestId, timeout: DEMO_TIMEOUT_MS })
  const zkLatency = performance.now() - zkRequest.sentAt
  const firstVerifiedAt = performance.now()
  if (zkResult.fulfilment.kind !== 'proof') throw new DevnetError(`Request #${zkRequest.requestId} was not served by a proof.`)
  const zkFulfillGas = await gasOf(zkResult.fulfilment.transactionHash)
  const [zkKnown, zkDigit] = await devnet.publicClient.readContract({ address: devnet.consumer, abi: digitConsumerAbi, functionName: 'digitOf', args: [zkRequest.requestId] })
  showResult(reporter, digits, zkResult, digits.testset.labels[digitSample]!)
  reporter.table([
    ['request', `#${zkRequest.requestId} by DigitConsumer.classify, tx ${short(zkRequest.requestTx)}, ${gas(zkRequest.requestGas)} gas`],
    ['verified', `Groth16 proof from ${nameOf(zkResult.fulfilment.fulfiller)} checked on-chain by the registry's verifier ${short(digits.verifier)} with the key the model id names (${digits.setup})`],
    ['fulfilment', `fulfillWithProof tx ${short(zkResult.fulfilment.transactionHash)} (block ${zkResult.fulfilment.blockNumber}), ${gas(zkFulfillGas)} gas, verifier + callback included`],
    ['consumer', `DigitConsumer.digitOf(${zkRequest.requestId}) = ${zkKnown ? zkDigit : 'unknown'} (its callback ran once, on the final result)`],
    ['latency', `${formatSeconds(zkLatency)} from request to final result`],
  ])
  check('ZK result final and proved', zkResult.status === 'fulfilled' && zkResult.finality === 'final')
  check('proved output equals the reference executor’s', sameWords(zkResult.outputWords, await referenceOutputWords(digits.dir, digits.testset.inputs[digitSample]!)))
  check('DigitConsumer acted on it', zkKnown && zkDigit === zkResult.output?.class, `digit ${zkDigit}`)
  const zkOffchain = await verifyResultOffchain(user, { result: zkResult })
  check('proof re-verified off-chain (SDK, vkey from the model host)', zkOffchain.valid, zkOffchain.reason)

  // 2. ATTESTED mode, quorum 2 of 3.
  reporter.section(`2. ATTESTED mode: the Iris model, quorum 2 of 3 staked operators, challenge window ${devnet.deployment.parameters.challengeWindow} s`)
  const irisSample = 0
  const attSent = performance.now()
  const attRequest = await requestInference(user, { modelId: iris.modelId, values: iris.testset.inputs[irisSample]!, mode: 'attested', quorum: 2 })
  const pending = await waitForResult(user, { requestId: attRequest.requestId, finality: 'pending', timeout: DEMO_TIMEOUT_MS })
  const attestedMs = performance.now() - attSent
  if (pending.fulfilment.kind !== 'attestation') throw new DevnetError(`Request #${attRequest.requestId} was not served by an attestation.`)
  const signers = pending.fulfilment.signers
  reporter.ok(`attested after ${formatSeconds(attestedMs)} by ${signers.map(nameOf).join(' + ')}; final once the challenge window ends (${formatSeconds(Number(pending.fulfilment.challengeEnd) * 1000 - Date.now())} from now)…`)
  const attOffchain = await verifyResultOffchain(user, { result: pending })
  const attResult = await waitForResult(user, { requestId: attRequest.requestId, timeout: DEMO_TIMEOUT_MS })
  const attLatency = performance.now() - attSent
  const finalized = await oracleEvents(devnet, 'ResultFinalized', attRequest.requestId)
  const finalizeTx = finalized[0]!.transactionHash
  const [submitGas, finalizeGas] = await Promise.all([gasOf(pending.fulfilment.transactionHash), gasOf(finalizeTx)])
  showResult(reporter, iris, attResult, iris.testset.labels[irisSample]!)
  reporter.table([
    ['request', `#${attRequest.requestId} by the user's account through the SDK (requestInference), tx ${short(attRequest.transactionHash)}, ${gas(attRequest.receipt.gasUsed)} gas`],
    ['verified', `EIP-712 signatures of ${signers.length} staked operators (${signers.map(nameOf).join(', ')}), checked on-chain; no dispute during the ${devnet.deployment.parameters.challengeWindow} s window`],
    ['fulfilment', `submitAttestations tx ${short(pending.fulfilment.transactionHash)} ${gas(submitGas)} gas + finalize tx ${short(finalizeTx)} ${gas(finalizeGas)} gas`],
    ['latency', `${formatSeconds(attestedMs)} to attested, ${formatSeconds(attLatency)} to final`],
  ])
  check('attested result finalized after the challenge window', attResult.status === 'finalized' && attResult.finality === 'final')
  check('signatures re-verified off-chain (SDK)', attOffchain.valid && signers.length >= 2, attOffchain.reason ?? `${signers.length} active signers`)
  const irisReference = await referenceOutputWords(iris.dir, iris.testset.inputs[irisSample]!)
  check('attested output equals the reference executor’s', sameWords(attResult.outputWords, irisReference))

  // 3a. One node down: the others serve.
  reporter.section('3. Censorship resistance')
  const stopped = devnet.nodes[2]!
  await reporter.step(`stopping ${stopped.name}`, () => stopped.stop(), () => `${stopped.name} stopped (operator ${short(stopped.operator)})`)
  const downRequest = await classifyDigit(devnet, digits.testset.inputs[1]!)
  const downResult = await waitForResult(user, { requestId: downRequest.requestId, timeout: DEMO_TIMEOUT_MS })
  const downLatency = performance.now() - downRequest.sentAt
  const servedBy = downResult.fulfilment.kind === 'proof' ? nameOf(downResult.fulfilment.fulfiller) : 'an attestation'
  check(`one node down, the others serve`, downResult.status === 'fulfilled' && servedBy !== stopped.name, `request #${downRequest.requestId}: digit ${downResult.output?.class} proved by ${servedBy} in ${formatSeconds(downLatency)}`)

  // 3b. Every node down: the requester proves and fulfils alone (the SDK's escape hatch).
  await reporter.step('stopping every node', () => Promise.all(devnet.nodes.map((n) => n.stop())), () => 'every node stopped: no operator will serve the next request')
  const aloneRequest = await classifyDigit(devnet, digits.testset.inputs[2]!)
  const nobody = await waitForResult(user, { requestId: aloneRequest.requestId, timeout: 4_000 }).then(
    () => false,
    (error: unknown) => error instanceof WaitForResultTimeoutError,
  )
  check('no operator answers', nobody, `request #${aloneRequest.requestId} still open after 4 s`)
  const proved = await reporter.step(
    'proving on the requester’s machine (SDK proveLocally)',
    () => proveLocally(user, { requestId: aloneRequest.requestId, dir: digits.dir }),
    (p) => `proved locally in ${p.seconds.toFixed(2)} s (reference executor + Groth16, model folder ${digits.dir})`,
  )
  const fulfilled = await fulfillWithProof(user, proved)
  const aloneResult = await getResult(user, { requestId: aloneRequest.requestId })
  const aloneLatency = performance.now() - aloneRequest.sentAt
  const [aloneKnown, aloneDigit] = await devnet.publicClient.readContract({ address: devnet.consumer, abi: digitConsumerAbi, functionName: 'digitOf', args: [aloneRequest.requestId] })
  const { amount: earned } = await withdraw(user)
  showResult(reporter, digits, aloneResult, digits.testset.labels[2]!)
  reporter.table([
    ['fulfilment', `fulfillWithProof (SDK) by the requester, tx ${short(fulfilled.transactionHash)}, ${gas(fulfilled.receipt.gasUsed)} gas`],
    ['consumer', `DigitConsumer.digitOf(${aloneRequest.requestId}) = ${aloneKnown ? aloneDigit : 'unknown'}`],
    ['fee', `${formatEther(earned)} ETH back to the requester, withdrawn: the fee (it proved), this request's prepaid callback gas (it delivered the callback and is the payer of what was left) and the unused callback gas of its earlier requests`],
  ])
  check(
    'requester fulfilled alone',
    aloneResult.status === 'fulfilled' && aloneResult.fulfilment.kind === 'proof' && aloneResult.fulfilment.fulfiller.toLowerCase() === devnet.account(DEVNET_ACCOUNTS.user).address.toLowerCase() && aloneKnown && aloneDigit === aloneResult.output?.class,
    `digit ${aloneDigit}, final at once, callback delivered`,
  )

  // 4. Fraud: a lying operator is disputed by a watchtower and slashed.
  reporter.section('4. Fraud: a lying operator is disputed by a watchtower and slashed')
  const liar = devnet.liar
  await reporter.step(`starting ${liar.name} (dishonest: it attests a wrong output)`, () => liar.start(), () => `${liar.name} running: operator ${short(liar.operator)}, 1 ETH staked, the only node online`)
  const stakeBefore = (await operatorOf(devnet, liar.operator)).stake
  const fraudSent = performance.now()
  const fraudRequest = await requestInference(user, { modelId: iris.modelId, values: iris.testset.inputs[1]!, mode: 'attested', quorum: 1 })
  const lie = await waitForResult(user, { requestId: fraudRequest.requestId, finality: 'pending', timeout: DEMO_TIMEOUT_MS })
  if (lie.fulfilment.kind !== 'attestation') throw new DevnetError(`Request #${fraudRequest.requestId} was not attested by the liar.`)
  reporter.ok(`request #${fraudRequest.requestId} (quorum 1) attested by ${lie.fulfilment.signers.map(nameOf).join(', ')}: class ${label(iris, lie.output?.class)}, scores ${formatScores(lie.output?.values)}`)
  const watchtower = devnet.nodes[0]!
  await reporter.step(
    `${watchtower.name} comes back online as a watchtower`,
    () => watchtower.start(),
    () => `${watchtower.name} running again: it recomputes every attested result within its challenge window`,
  )
  await waitFor(async () => (await getResult(user, { requestId: fraudRequest.requestId }).catch(() => undefined))?.fulfilment.kind === 'proof', {
    timeoutMs: DEMO_TIMEOUT_MS,
    what: `the dispute of request #${fraudRequest.requestId}`,
  })
  const fraudResult = await getResult(user, { requestId: fraudRequest.requestId })
  const fraudLatency = performance.now() - fraudSent
  const [disputed] = await oracleEvents(devnet, 'AttestationDisputed', fraudRequest.requestId)
  const liarAfter = await operatorOf(devnet, liar.operator)
  const disputeGas = await gasOf(disputed!.transactionHash)
  // The requester withdrew everything after the escape hatch, so this is the dispute's refund and reward alone.
  const requesterBalance = await devnet.publicClient.readContract({ address: devnet.deployment.contracts.inferenceOracle, abi: inferenceOracleAbi, functionName: 'balanceOf', args: [devnet.account(DEVNET_ACCOUNTS.user).address] })
  const maxBounty = devnet.deployment.parameters.maxBounty
  showResult(reporter, iris, fraudResult, iris.testset.labels[1]!)
  reporter.table([
    ['attested', `scores ${formatScores(lie.output?.values)}, output hash ${short(lie.outputHash)}: wrong, signed by ${nameOf(lie.fulfilment.signers[0]!)}`],
    ['proven', `scores ${formatScores(fraudResult.output?.values)}, output hash ${short(fraudResult.outputHash)}: proved by ${nameOf(disputed!.args.disputer)}`],
    ['dispute', `disputeWithProof tx ${short(disputed!.transactionHash)}, ${gas(disputeGas)} gas, inside the ${devnet.deployment.parameters.challengeWindow} s challenge window`],
    ['slashed', `${formatEther(disputed!.args.slashed)} ETH, all of ${liar.name}'s stake (now ${formatEther(liarAfter.stake)} ETH, slashed: ${liarAfter.slashed}); 50% to the disputer and 25% to the requester, each at most ${formatEther(maxBounty)} ETH, the rest to the treasury`],
    ['requester', `oracle balance ${formatEther(requesterBalance)} ETH: its fee back plus its capped share of the slashed stake`],
    ['latency', `${formatSeconds(fraudLatency)} from request to the proven result`],
  ])
  check('liar slashed on-chain', liarAfter.slashed && liarAfter.stake === 0n && disputed!.args.slashed === stakeBefore, `${formatEther(stakeBefore)} ETH`)
  check('requester refunded and rewarded', requesterBalance === iris.fee + min(stakeBefore / 4n, maxBounty), `${formatEther(requesterBalance)} ETH`)
  check('proven output equals the reference executor’s', sameWords(fraudResult.outputWords, await referenceOutputWords(iris.dir, iris.testset.inputs[1]!)))
  check('proven output replaced the lie', fraudResult.status === 'fulfilled' && fraudResult.fulfilment.kind === 'proof' && fraudResult.fulfilment.disputed && fraudResult.outputHash !== lie.outputHash, `class ${label(iris, fraudResult.output?.class)}`)
  await liar.stop()

  await reporter.step(
    'restarting the stopped nodes',
    () => Promise.all(devnet.nodes.map((n) => n.start())),
    () => `the network is whole again: ${devnet.nodes.map((n) => n.name).join(', ')}`,
  )

  // 5. Private inference: the image never reaches the chain.
  reporter.section('5. Private inference: a digit classified with the image never on-chain')
  const privateModel = devnet.models.digits_private
  const privateSample = 3
  const image = privateModel.testset.inputs[privateSample]!
  const prover = devnet.nodes[0]!
  await waitFor(async () => getEncryptionKey(user, { operator: prover.operator }).then(() => true, () => false), { timeoutMs: DEMO_TIMEOUT_MS, what: `${prover.name}'s encryption key on-chain` })
  const fromBlock = await devnet.publicClient.getBlockNumber()
  const privSent = performance.now()
  const privRequest = await requestPrivateInference(user, { modelId: privateModel.modelId, values: image })
  reporter.ok(`request #${privRequest.requestId} (SDK requestPrivateInference): the image quantized and committed on this machine; the request carries only the commitment ${short(`0x${privRequest.commitment.toString(16).padStart(64, '0')}`)}`)
  await reporter.step(
    `encrypting the image to ${prover.name}'s key (published in OperatorStaking) and sending it to its node, off-chain`,
    () => delegatePrivateInput(user, { requestId: privRequest.requestId, privateInput: privRequest.privateInput, operator: prover.operator, nodeUrl: prover.url }),
    () => `${prover.name} took it: Baby Jubjub ECDH + Poseidon encryption, only its key decrypts it`,
  )
  const privResult = await waitForResult(user, { requestId: privRequest.requestId, timeout: DEMO_TIMEOUT_MS })
  const privLatency = performance.now() - privSent
  if (privResult.fulfilment.kind !== 'proof') throw new DevnetError(`Request #${privRequest.requestId} was not served by a proof.`)
  const privFulfillGas = await gasOf(privResult.fulfilment.transactionHash)
  const traffic = await chainTrafficSince(devnet.publicClient, fromBlock)
  const inputOnChain = [...privRequest.privateInput.inputWords.filter((w) => w !== 0n), privRequest.privateInput.salt].some((w) => carriesWord(traffic, w))
  showResult(reporter, privateModel, privResult, privateModel.testset.labels[privateSample]!)
  reporter.table([
    ['request', `#${privRequest.requestId}, tx ${short(privRequest.transactionHash)}, ${gas(privRequest.receipt.gasUsed)} gas: one input word, the Poseidon commitment of the image and a secret salt`],
    ['verified', `Groth16 proof from ${nameOf(privResult.fulfilment.fulfiller)} that the output is the model's on the committed image, checked on-chain`],
    ['fulfilment', `fulfillWithProof tx ${short(privResult.fulfilment.transactionHash)}, ${gas(privFulfillGas)} gas (ZK digits with the image public: ${gas(zkFulfillGas)}, callback included)`],
    ['on-chain', `${inputOnChain ? 'an input word or the salt appears' : 'no input word and no salt'} in the calldata or logs of blocks ${fromBlock}..now; the output is public`],
    ...(explorerUrl ? [['explorer', `${explorerUrl}/requests/${privRequest.requestId} shows the commitment only`]] : []),
    ['latency', `${formatSeconds(privLatency)} from request to final result`],
  ])
  check('private result final and proved', privResult.status === 'fulfilled' && privResult.finality === 'final')
  check('private output equals the reference executor’s', sameWords(privResult.outputWords, await referenceOutputWords(privateModel.dir, image)), `digit ${privResult.output?.class}`)
  check('the image is in no transaction or event', !inputOnChain)

  return {
    zk: { ...zkRequest, input: digits.testset.inputs[digitSample]!, result: zkResult, latencyMs: zkLatency, fulfillGas: zkFulfillGas, consumerDigit: zkDigit },
    attested: { requestId: attRequest.requestId, input: iris.testset.inputs[irisSample]!, requestTx: attRequest.transactionHash, requestGas: attRequest.receipt.gasUsed, result: attResult, latencyMs: attLatency, attestedMs, submitGas, finalizeTx, finalizeGas },
    oneNodeDown: { ...downRequest, input: digits.testset.inputs[1]!, result: downResult, latencyMs: downLatency, stopped: stopped.name, servedBy },
    escapeHatch: { ...aloneRequest, input: digits.testset.inputs[2]!, result: aloneResult, latencyMs: aloneLatency, proveSeconds: proved.seconds, fulfillTx: fulfilled.transactionHash, fulfillGas: fulfilled.receipt.gasUsed, consumerDigit: aloneDigit, earned },
    fraud: {
      requestId: fraudRequest.requestId,
      input: iris.testset.inputs[1]!,
      requestTx: fraudRequest.transactionHash,
      requestGas: fraudRequest.receipt.gasUsed,
      result: fraudResult,
      latencyMs: fraudLatency,
      liar: liar.operator,
      attested: lie,
      disputer: disputed!.args.disputer,
      slashed: disputed!.args.slashed,
      disputeTx: disputed!.transactionHash,
      disputeGas,
      requesterBalance,
    },
    private: {
      requestId: privRequest.requestId,
      input: image,
      requestTx: privRequest.transactionHash,
      requestGas: privRequest.receipt.gasUsed,
      result: privResult,
      latencyMs: privLatency,
      operator: prover.operator,
      commitment: privRequest.commitment,
      fulfillGas: privFulfillGas,
      inputOnChain,
    },
    firstVerifiedAt,
    checks,
    ok: checks.every((c) => c.ok),
  }
}

/** `payment`: the fee and the callback's prepaid gas, in wei; `deadline`: when it can be refunded (unix seconds). */
export type SentRequest = { requestId: bigint; requestTx: Hash; requestGas: bigint; sentAt: number; payment: bigint; deadline: bigint }

/**
 * What the dApp does: encode the image with the SDK and call DigitConsumer.classify from anvil
 * account `account` (default the demo's user), paying the fee and the callback's gas: a ZK request
 * whose result the consumer's callback acts on.
 */
export async function classifyDigit(devnet: Devnet, image: number[], { account = DEVNET_ACCOUNTS.user, ttlSeconds = 3600 }: { account?: number; ttlSeconds?: number } = {}): Promise<SentRequest> {
  const { digits } = devnet.models
  const { words } = encodeInput({ manifest: digits.manifest as VeridictManifest, values: image })
  const sentAt = performance.now()
  const wallet = devnet.wallet(account)
  const [block, gasPrice, callbackGasLimit] = await Promise.all([
    devnet.publicClient.getBlock(),
    devnet.publicClient.getGasPrice(),
    devnet.publicClient.readContract({ address: devnet.consumer, abi: digitConsumerAbi, functionName: 'CALLBACK_GAS_LIMIT' }),
  ])
  // The fee, plus the callback's gas prepaid at today's price (what it does not use comes back).
  const [deadline, payment] = [block.timestamp + BigInt(ttlSeconds), digits.fee + BigInt(callbackGasLimit) * gasPrice]
  const { request } = await devnet.publicClient.simulateContract({
    account: wallet.account!,
    address: devnet.consumer,
    abi: digitConsumerAbi,
    functionName: 'classify',
    args: [words, deadline, gasPrice],
    value: payment,
  })
  const requestTx = await wallet.writeContract(request)
  const receipt = await devnet.publicClient.waitForTransactionReceipt({ hash: requestTx })
  const [requested] = parseEventLogs({ abi: inferenceOracleAbi, logs: receipt.logs, eventName: 'InferenceRequested' })
  return { requestId: requested!.args.requestId, requestTx, requestGas: receipt.gasUsed, sentAt, payment, deadline }
}

function showResult(reporter: Reporter, model: DevnetModel, result: VeridictResult, expected: number): void {
  const output = result.output
  if (!output) return reporter.fail(`request #${result.requestId}: the output could not be decoded`)
  reporter.ok(`request #${result.requestId} → class ${label(model, output.class)} (test label ${label(model, expected)})`)
  const header = ['class', ...output.values.map((_, i) => (model.testset.classLabels?.[i] ?? String(i)))]
  const scores = ['score', ...output.values.map((v, i) => `${v.toFixed(2)}${i === output.class ? ' ◀' : ''}`)]
  reporter.table([header, scores], { header: true })
}

function label(model: DevnetModel, index: number | undefined): string {
  if (index === undefined) return '?'
  const name = model.testset.classLabels?.[index]
  return name && name !== String(index) ? `${index} (${name})` : String(index)
}

const formatScores = (values: number[] | undefined) => (values ? `[${values.map((v) => v.toFixed(2)).join(', ')}]` : '?')

const sameWords = (a: readonly bigint[], b: readonly bigint[]) => a.length === b.length && a.every((w, i) => w === b[i])

const gas = (value: bigint) => value.toLocaleString('en-US')
const min = (a: bigint, b: bigint) => (a < b ? a : b)

function operatorOf(devnet: Devnet, account: Address) {
  return devnet.publicClient.readContract({ address: devnet.deployment.contracts.operatorStaking, abi: operatorStakingAbi, functionName: 'getOperator', args: [account] })
}

async function oracleEvents<const N extends 'ResultFinalized' | 'AttestationDisputed'>(devnet: Devnet, eventName: N, requestId: bigint) {
  const logs = await devnet.publicClient.getContractEvents({
    address: devnet.deployment.contracts.inferenceOracle,
    abi: inferenceOracleAbi,
    eventName,
    args: { requestId } as never,
    fromBlock: devnet.deployment.deploymentBlock,
    strict: true,
  })
  return logs as unknown as { transactionHash: Hash; args: { disputer: Address; slashed: bigint; provenOutputHash: Hex } }[]
}
