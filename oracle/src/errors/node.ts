import { formatGwei } from 'viem'
import { BaseError } from './base.js'

/** A request names a model this node does not serve. */
export class UnknownModelError extends BaseError {
  override name = 'UnknownModelError'
  readonly model: string
  constructor({ model, known }: { model: string; known: string[] }) {
    super(`Unknown model ${JSON.stringify(model)}.`, { details: `This node serves: ${known.length ? known.join(', ') : 'no models'}. Use a name or modelId from GET /v1/models.` })
    this.model = model
  }
}

/** An input does not fit the model (wrong number of values, out of range). */
export class InvalidInputError extends BaseError {
  override name = 'InvalidInputError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`Invalid input: ${reason}.`, { cause })
  }
}

/** A model folder could not be loaded. */
export class ModelLoadError extends BaseError {
  override name = 'ModelLoadError'
  constructor({ dir, reason, cause }: { dir: string; reason: string; cause?: unknown }) {
    super(`Cannot load the model in ${dir}: ${reason}.`, { cause })
  }
}

/** A model cannot be proved (it has no circuit, or was not set up). */
export class NotProvableError extends BaseError {
  override name = 'NotProvableError'
  constructor({ model }: { model: string }) {
    super(`Model ${model} has no circuit, so its outputs cannot be proved.`, { details: 'Serve it in ATTESTED mode only, or compile it with a circuit and run setup.' })
  }
}

/** A peer's attestation is malformed or signed by someone else. */
export class InvalidAttestationError extends BaseError {
  override name = 'InvalidAttestationError'
  constructor({ reason }: { reason: string }) {
    super(`Invalid attestation: ${reason}.`)
  }
}

/** An attestation about a request this node has not seen yet: the sender tries again shortly. */
export class AttestationNotReadyError extends BaseError {
  override name = 'AttestationNotReadyError'
  constructor({ requestId }: { requestId: bigint }) {
    super(`Request ${requestId} is not known to this node yet (its block may not be processed here); send the attestation again shortly.`)
  }
}

/** A request id this node has no job for. */
export class RequestNotFoundError extends BaseError {
  override name = 'RequestNotFoundError'
  constructor({ requestId }: { requestId: bigint }) {
    super(`Request ${requestId} is unknown to this node.`, { details: 'The node may not have seen it yet (its block, plus confirmations): try again in a few seconds. Or it is for a model or mode this node does not serve.' })
  }
}

/** A transaction reverted or could not be sent. */
export class TransactionError extends BaseError {
  override name = 'TransactionError'
  constructor({ action, reason, cause }: { action: string; reason: string; cause?: unknown }) {
    super(`${action} failed: ${reason}.`, { cause })
  }
}

/** `veridict model register` refused a single-party dev setup without --allow-insecure-setup. */
export class InsecureSetupError extends BaseError {
  override name = 'InsecureSetupError'
  constructor({ dir, ceremony }: { dir: string; ceremony: string }) {
    super(`The model in ${dir} was set up over ${ceremony}: whoever made that powers of tau can forge its proofs.`, {
      details: 'Set it up over a public ceremony file (veridict setup DIR --ptau powersOfTau28_hez_final_XX.ptau, or veridict ceremony ...), or pass --allow-insecure-setup for a local development chain; the registry records the setup as insecure either way.',
    })
  }
}

/** A registry listing names this node's model but a different verification key or setup: the node will not serve it. */
export class VerificationKeyMismatchError extends BaseError {
  override name = 'VerificationKeyMismatchError'
  constructor({ model, modelId, reason }: { model: string; modelId: string; reason: string }) {
    super(`Not serving model ${modelId}: it is registered with the ONNX file and quantization of the local model ${JSON.stringify(model)}, but ${reason}.`, {
      details: "The local folder was set up differently from the registered model. Get the model owner's set-up folder (its manifest's definitionHash must equal the registry's).",
    })
  }
}

/** A local model that no registration names yet: off-chain attestations need a model id. */
export class ModelNotRegisteredError extends BaseError {
  override name = 'ModelNotRegisteredError'
  constructor({ model, definitionHash, ready }: { model: string; definitionHash: string; ready: boolean }) {
    super(
      ready ? `Model ${JSON.stringify(model)} (definition ${definitionHash}) is not registered on this chain.` : `The node has not read the registry yet, so model ${JSON.stringify(model)} has no id yet.`,
      { details: ready ? 'Register it (veridict model register --dir ...); the node serves every registration of its definition.' : 'Wait until GET /health says ok (the RPC must answer).' },
    )
  }
}

/** A kept trace file is missing, cut short or not the trace it was stored as. */
export class TraceFileError extends BaseError {
  override name = 'TraceFileError'
  constructor({ file, reason }: { file: string; reason: string }) {
    super(`The trace file ${file} cannot be used: ${reason}.`, { details: 'The node keeps the trace of every result it attested or watched until the result is final (docs/disputes.md). Without it the node cannot play a trace game for that request; it runs the model again if the request is still open.' })
  }
}

/** The network's gas price is above the node's maxGasPriceGwei: the transaction is not sent (its job retries later). */
export class GasPriceAboveCapError extends BaseError {
  override name = 'GasPriceAboveCapError'
  constructor({ kind, needed, cap }: { kind: string; needed: bigint; cap: bigint }) {
    super(`Not sending ${kind}: it needs ${formatGwei(needed)} gwei per gas, above maxGasPriceGwei (${formatGwei(cap)} gwei).`, {
      details: 'The job is retried when the gas price falls; raise maxGasPriceGwei (--max-gas-price-gwei) to pay more.',
    })
  }
}

/** The node's startup checks found a misconfiguration it cannot serve with (the operator, its stake or its balance). */
export class PreflightError extends BaseError {
  override name = 'PreflightError'
  readonly problems: readonly string[]
  constructor({ operator, problems }: { operator: string; problems: readonly string[] }) {
    super(`The node cannot serve as operator ${operator}:\n${problems.map((p) => `- ${p}`).join('\n')}`, { details: '`veridict operator status` shows the operator as the chain sees it.' })
    this.problems = problems
  }
}

/** executionProvider is 'cuda' and CUDA cannot run the models. */
export class ExecutionProviderError extends BaseError {
  override name = 'ExecutionProviderError'
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`executionProvider is cuda, but ${reason}.`, { details: "Set executionProvider to auto (CUDA when it works, else the CPU) or cpu, or fix the GPU host.", cause })
  }
}

/** The node has not connected to the chain yet (or refused to serve): it cannot answer this call. */
export class NodeNotReadyError extends BaseError {
  override name = 'NodeNotReadyError'
  constructor() {
    super('The node has not read the chain yet.', { details: 'Try again shortly; GET /health says why while it is not ok.' })
  }
}

/** A listener's port is taken. */
export class ListenError extends BaseError {
  override name = 'ListenError'
  constructor({ host, port, cause }: { host: string; port: number; cause?: unknown }) {
    super(`Cannot listen on ${host}:${port}: the port is in use.`, { details: 'Stop what uses it, or choose other ports (httpPort for the public API, peerHttpPort for the peer API; --http-port, --peer-http-port).', cause })
  }
}

/** An encrypted input sent for a request whose model takes a public input. */
export class NotPrivateInputError extends BaseError {
  override name = 'NotPrivateInputError'
  constructor({ requestId, model }: { requestId: bigint; model: string }) {
    super(`Request ${requestId} is for model ${JSON.stringify(model)}, whose input is public: there is nothing to decrypt.`, { details: 'Only requests for a model compiled with --private-input take an encrypted input; its input words are in the request itself.' })
  }
}

/** An encrypted input sent for a request that is over here (delivered, refunded, past its deadline) or already has its input. */
export class RequestClosedError extends BaseError {
  override name = 'RequestClosedError'
  constructor({ requestId, reason }: { requestId: bigint; reason: string }) {
    super(`Request ${requestId} takes no input any more: ${reason}.`, { details: 'GET /v1/requests/{id} shows its state; a new request needs a new input.' })
  }
}

/** An encrypted input that does not decrypt with this node's key. */
export class NotForThisOperatorError extends BaseError {
  override name = 'NotForThisOperatorError'
  constructor({ requestId, cause }: { requestId: bigint; cause?: unknown }) {
    super(`The encrypted input for request ${requestId} does not decrypt with this node's key: it was encrypted for another key or changed on the way.`, {
      details: "Encrypt to this node's key: GET /health (encryptionKey), the operator's encryptionKeyOf in OperatorStaking.",
      cause,
    })
  }
}

/** A decrypted input that is not the one the request committed to on-chain. */
export class CommitmentMismatchError extends BaseError {
  override name = 'CommitmentMismatchError'
  constructor({ requestId, reason }: { requestId: bigint; reason: string }) {
    super(`The decrypted input of request ${requestId} is not the input it committed to on-chain: ${reason}.`, { details: 'Encrypt the same input words and salt whose commitInput() the request carries.' })
  }
}
