import { readFile, writeFile } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { parseBeneficiary } from './circuit/publicSignals.js'
import { compileModel, estimateModel } from './compile/compileModel.js'
import { formatEstimate } from './estimate/estimateCircuit.js'
import { exitOnSignals } from './process/interrupt.js'
import { BaseError } from './errors/base.js'
import { InvalidCompileOptionError } from './errors/compile.js'
import { loadCompiledModel } from './prove/loadCompiledModel.js'
import { dequantizeOutput, quantizeInput, runReference } from './reference/runReference.js'
import type { ModelManifest } from './manifest/manifest.js'
import type { IdentifyPtauReturnType } from './setup/identifyPtau.js'
import type { SetupProgress } from './setup/progress.js'
import type { ZkeyContribution } from './setup/readZkey.js'

const USAGE = `veridict model compiler

  veridict compile MODEL.onnx --out DIR [--name NAME] [--scale S] [--input-scale S] [--input-bits B]
                   [--max-bits B] [--calibration FILE.json] [--tolerance T] [--output NAME] [--no-circuit] [--private-input] [--private-weights] [--setup]
                   [--scheme S] [--ptau FILE] [--max-constraints N] [--estimate]
  veridict setup DIR [--scheme groth16|plonk] [--ptau FILE] [--entropy TEXT]
  veridict prove DIR --input VALUES --beneficiary ADDRESS [--salt N] [--out PROOF.json]
  veridict verify DIR --proof PROOF.json
  veridict run DIR --input VALUES

Multi-party Groth16 phase 2 (the transcript lives in DIR/ceremony/):
  veridict ceremony init DIR [--ptau FILE] [--restart]
  veridict ceremony contribute DIR --name NAME [--entropy TEXT]
  veridict ceremony export DIR --out FILE.zkey
  veridict ceremony contribute --in FILE.zkey --out NEXT.zkey --name NAME [--entropy TEXT]   (a contributor, anywhere)
  veridict ceremony import DIR NEXT.zkey [--ptau FILE]
  veridict ceremony beacon DIR --hash HEX --iterations N [--name NAME]
  veridict ceremony verify DIR [--ptau FILE]
  veridict ceremony finalize DIR [--ptau FILE]

VALUES is a JSON array of numbers (the input tensor, row-major) or a path to a JSON file holding one.
--beneficiary is the address the proof credits (its last public signal): the oracle pays the reward to it,
and the proof verifies for no other, so a copy of it taken from the mempool is worth nothing.
--calibration takes a JSON file with an array of input arrays, or {"inputs": [...]}, or {"calibration": {"inputs": [...]}}.
Without --scale, the scale is the smallest at which every calibration sample's class matches float and the
largest error is within --tolerance (default 0.01) of the output's range (the mean error within it of the
mean output): a larger tolerance gives fewer constraints.
--output picks the graph output to compile when there are several (by default the one float output; a
ZipMap's output stands for the scores it wraps).
Before circom runs, compile estimates the circuit (constraints per stage, setup and proving time and memory on
this machine) and refuses one above the limit in seconds: by default what proves in about 10 minutes here with
the memory at hand; --max-constraints N sets it. --estimate prints the estimate and stops. Outputs are written
beside --out and renamed into place at the end, so --out holds a whole model or none; SIGTERM or Ctrl-C stops
circom and the provers and removes the unfinished output.
setup = ceremony init + one contribution by the model owner + finalize (Groth16, the default).
--scheme plonk: a universal setup (no per-circuit secret, no phase 2; a larger ptau, slower proofs,
about 50k more gas to verify).
--ptau is identified by its content (blake2b-512), never by its name: a Perpetual Powers of Tau final
file is trusted by its published hash, any other file is checked with snarkjs powersoftau verify.
Without --ptau, a cached single-party dev powers of tau is used: INSECURE, for development only.
--entropy is mixed with system randomness; without it, 32 random bytes. It is never stored.
--private-input: the input words are private signals and the proof shows their Poseidon commitment with a
salt instead (docs/privacy.md); prove such a model with --salt (a field element; without it a random one is
drawn and printed with the commitment: keep it with the request).
--private-weights: the weights and biases are private signals of the circuit, pinned to their salted Poseidon
commitment, a constant of the circuit (so of its keys); model.onnx, quantized.json and weightSalt.json stay
with the owner, and only whoever holds them can prove (docs/private-weights.md).`

/** `status`, on a terminal: rewrites one status line in place (long steps' progress); without it, progress is plain lines. */
type Io = { out: (line: string) => void; err: (line: string) => void; status?: ((text: string) => void) | undefined }

const consoleIo = (): Io => ({
  out: console.log,
  err: console.error,
  status: process.stderr.isTTY ? (text) => process.stderr.write(`\r\u001b[K${text}`) : undefined,
})

/** Runs one compiler command; returns the process exit code. */
export async function runCompilerCli(argv: string[], io: Io = consoleIo()): Promise<number> {
  const [command, ...rest] = argv
  const { values, positionals } = parseCompilerArgs(rest)

  if (!command || values.help || command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE)
    return command ? 0 : 1
  }
  const progress = progressPrinter(io)
  // A supervisor's SIGTERM or Ctrl-C stops circom and the provers and removes unfinished outputs.
  const removeSignalHandlers = exitOnSignals((line) => io.err(line))
  try {
    return await runCommand(command, values, positionals, io, progress)
  } finally {
    removeSignalHandlers()
  }
}

const OPTIONS = {
  out: { type: 'string' },
  name: { type: 'string' },
  scale: { type: 'string' },
  'input-scale': { type: 'string' },
  'input-bits': { type: 'string' },
  'max-bits': { type: 'string' },
  tolerance: { type: 'string' },
  output: { type: 'string' },
  calibration: { type: 'string' },
  'no-circuit': { type: 'boolean' },
  'private-input': { type: 'boolean' },
  'private-weights': { type: 'boolean' },
  salt: { type: 'string' },
  setup: { type: 'boolean' },
  ptau: { type: 'string' },
  scheme: { type: 'string' },
  entropy: { type: 'string' },
  in: { type: 'string' },
  hash: { type: 'string' },
  iterations: { type: 'string' },
  restart: { type: 'boolean' },
  input: { type: 'string' },
  proof: { type: 'string' },
  beneficiary: { type: 'string' },
  'max-constraints': { type: 'string' },
  estimate: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function parseCompilerArgs(args: string[]) {
  return parseArgs({ args, allowPositionals: true, options: OPTIONS })
}

type Values = ReturnType<typeof parseCompilerArgs>['values']

async function runCommand(command: string, values: Values, positionals: string[], io: Io, progress: ReturnType<typeof progressPrinter>): Promise<number> {
  const target = positionals[0]
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new InvalidCompileOptionError({ option: what, value: undefined, expected: `a value (see veridict ${command} --help)` })
    return value
  }
  const parseSalt = async (value: string): Promise<bigint> => {
    const { SCALAR_FIELD_ORDER } = await import('@veridict/sdk/private')
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(value) || BigInt(value) <= 0n || BigInt(value) >= SCALAR_FIELD_ORDER)
      throw new InvalidCompileOptionError({ option: '--salt', value, expected: 'a field element from 1 to the BN254 scalar field order minus 1 (decimal or 0x hex)' })
    return BigInt(value)
  }

  switch (command) {
    case 'compile': {
      const options = {
        onnx: need(target, 'MODEL.onnx'),
        name: values.name,
        scale: integer(values.scale, '--scale'),
        inputScale: integer(values['input-scale'], '--input-scale'),
        inputBits: integer(values['input-bits'], '--input-bits'),
        maxBits: integer(values['max-bits'], '--max-bits'),
        tolerance: values.tolerance === undefined ? undefined : Number(values.tolerance),
        output: values.output,
        calibration: values.calibration ? await readCalibration(values.calibration) : undefined,
        privateInput: values['private-input'] === true,
        privateWeights: values['private-weights'] === true,
        maxConstraints: integer(values['max-constraints'], '--max-constraints'),
        onProgress: progress,
      }
      if (values.estimate) {
        const { estimate } = await estimateModel({ ...options, onProgress: undefined })
        for (const line of formatEstimate(estimate)) io.out(line)
        return 0
      }
      const { manifest, dir } = await compileModel({ ...options, outDir: need(values.out, '--out'), circuit: !values['no-circuit'] })
      io.out(`compiled ${manifest.name}: ${manifest.circuit ? `${manifest.circuit.constraints} constraints` : 'no circuit (attested only)'}, scale 2^${manifest.quantization.scale}, input ${manifest.input.bits} bits at 2^${manifest.input.scale}, calibration agreement ${formatShare(manifest.calibration.top1Agreement)}`)
      if (manifest.quantization.chosenBy.startsWith('calibration (closest')) io.out(`warning: no scale up to 2^16 (with inputs up to 16 bits) meets --tolerance ${values.tolerance ?? 0.01}: the closest was chosen`)
      const { maxAbsError, meanAbsError, outputRange, meanAbsOutput } = manifest.calibration
      if (maxAbsError !== undefined && meanAbsError !== undefined)
        io.out(`error against float on the calibration samples: max ${maxAbsError.toPrecision(3)} (${formatShare(outputRange ? maxAbsError / outputRange : undefined)} of the output range), mean ${meanAbsError.toPrecision(3)} (${formatShare(meanAbsOutput ? meanAbsError / meanAbsOutput : undefined)} of the mean |output|)`)
      if (manifest.weights?.private) io.out(`private weights: commitment ${manifest.weights.commitment}; keep ${manifest.artifacts.onnx}, ${manifest.artifacts.quantized} and ${manifest.artifacts.weightSalt ?? 'weightSalt.json'} private (proving needs them)`)
      if (values.setup && manifest.circuit) printSetup(io, (await (await import('./setup/setupModel.js')).setupModel({ dir, scheme: scheme(values.scheme), ptau: values.ptau, entropy: values.entropy, onProgress: progress })).manifest)
      io.out(`artifacts in ${dir}`)
      return 0
    }
    case 'setup': {
      printSetup(io, (await (await import('./setup/setupModel.js')).setupModel({ dir: need(target, 'DIR'), scheme: scheme(values.scheme), ptau: values.ptau, entropy: values.entropy, onProgress: progress })).manifest)
      return 0
    }
    case 'ceremony': {
      // snarkjs (half a second to load) only for the commands that set up, prove or verify.
      const { beaconCeremony, contributeCeremony, contributeZkey, exportCeremony, finalizeCeremony, importContribution, initCeremony, verifyCeremony } = await import('./setup/ceremony.js')
      const [action, dir] = positionals
      switch (action) {
        case 'init': {
          const { ptau, transcript } = await initCeremony({ dir: need(dir, 'DIR'), ptau: values.ptau, restart: values.restart, onProgress: progress })
          printPtau(io, ptau)
          io.out(`ceremony started in ${join(resolve(dir!), 'ceremony')} (circuit hash ${transcript.circuitHash.slice(0, 18)}...): no contribution yet`)
          return 0
        }
        case 'contribute': {
          if (values.in !== undefined) {
            const result = await contributeZkey({ input: values.in, output: need(values.out, '--out'), name: need(values.name, '--name'), entropy: values.entropy, onProgress: progress })
            io.out(`builds on ${plural(result.before.contributions.length, 'contribution')} (compare with the hashes the coordinator published):`)
            printContributions(io, result.before.contributions)
            io.out(`your contribution #${result.before.contributions.length + 1} "${result.contribution.name}": ${result.contribution.hash}`)
            io.out(`written to ${result.output}; send it back to the coordinator (veridict ceremony import)`)
            return 0
          }
          const result = await contributeCeremony({ dir: need(dir, 'DIR'), name: need(values.name, '--name'), entropy: values.entropy, onProgress: progress })
          io.out(`contribution #${result.contributions} "${result.contribution.name}": ${result.contribution.hash}`)
          return 0
        }
        case 'export': {
          const result = await exportCeremony({ dir: need(dir, 'DIR'), out: need(values.out, '--out') })
          io.out(`exported step ${result.step.index} (${plural(result.contributions.length, 'contribution')}) to ${result.out}; the next contributor runs:`)
          io.out(`  veridict ceremony contribute --in ${basename(result.out)} --out NEXT.zkey --name NAME`)
          return 0
        }
        case 'import': {
          const result = await importContribution({ dir: need(dir, 'DIR'), file: need(positionals[2], 'FILE.zkey'), ptau: values.ptau, onProgress: progress })
          io.out(`imported and verified contribution #${result.contributions} "${result.contribution.name}": ${result.contribution.hash}`)
          return 0
        }
        case 'beacon': {
          const result = await beaconCeremony({ dir: need(dir, 'DIR'), hash: need(values.hash, '--hash'), iterationsExp: integer(need(values.iterations, '--iterations'), '--iterations')!, name: values.name, onProgress: progress })
          io.out(`beacon "${result.contribution.name}": ${result.contribution.hash}; the ceremony is closed, finalize it`)
          return 0
        }
        case 'verify': {
          const result = await verifyCeremony({ dir: need(dir, 'DIR'), ptau: values.ptau, onProgress: progress })
          const { ptau } = result.ceremony.transcript
          io.out(`ceremony of ${result.ceremony.manifest.name}: circuit hash ${result.circuitHash}`)
          io.out(`ptau ${ptau.file}: ${ptau.ceremony}, power ${ptau.power}, blake2b ${ptau.blake2b}`)
          result.contributions.forEach((c, i) => io.out(`  #${i + 1} ${c.hash}  ${c.name}`))
          if (result.beacon) io.out(`  beacon ${result.beacon.hash}  ${result.beacon.name} (from ${result.beacon.beaconHash}, 2^${result.beacon.iterationsExp} iterations)`)
          io.out(`valid: every contribution follows from the r1cs and the ptau (${result.seconds.toFixed(1)} s)`)
          if (ptau.insecure) warnInsecure(io, ptau.insecureReason)
          return 0
        }
        case 'finalize': {
          printSetup(io, (await finalizeCeremony({ dir: need(dir, 'DIR'), ptau: values.ptau, onProgress: progress })).manifest)
          return 0
        }
        default:
          io.err(`unknown ceremony step ${JSON.stringify(action ?? '')}: expected init, contribute, export, import, beacon, verify or finalize\n\n${USAGE}`)
          return 1
      }
    }
    case 'prove': {
      const { prove } = await import('./prove/prove.js')
      const dir = need(target, 'DIR')
      const input = await readValues(need(values.input, '--input'))
      const beneficiary = parseBeneficiary(need(values.beneficiary, '--beneficiary'))
      const { manifest } = await loadCompiledModel(dir)
      const salt = values.salt !== undefined ? await parseSalt(values.salt) : manifest.input.private ? (await import('@veridict/sdk/private')).randomSalt() : undefined
      const result = await prove({ dir, input: { values: input }, beneficiary, salt, onProgress: ({ step, seconds, fraction }) => progress({ step: 'prove', message: `${step} at ${seconds.toFixed(1)} s`, fraction }) })
      const proofJson = {
        proof: result.proof,
        publicSignals: result.publicSignals,
        ...(result.commitment === undefined ? {} : { commitment: result.commitment.toString(), salt: String(salt) }),
        inputWords: result.inputWords.map(String),
        outputWords: result.outputWords.map(String),
        beneficiary: result.beneficiary,
        output: result.output.map(String),
      }
      if (values.out) await writeFile(values.out, `${JSON.stringify(proofJson, null, 2)}\n`)
      io.out(`output ${JSON.stringify(result.output.map(String))} for beneficiary ${result.beneficiary}; proved in ${result.seconds.toFixed(2)} s (witness ${result.witnessSeconds.toFixed(2)} s)${values.out ? `; written to ${values.out}` : ''}`)
      if (!values.out) io.out(JSON.stringify(proofJson))
      return 0
    }
    case 'verify': {
      const { verify } = await import('./prove/verify.js')
      const proofJson = JSON.parse(await readFile(need(values.proof, '--proof'), 'utf8')) as Parameters<typeof verify>[0]
      const ok = await verify({ dir: need(target, 'DIR'), proof: proofJson.proof, publicSignals: proofJson.publicSignals })
      io.out(ok ? 'valid proof' : 'INVALID proof')
      return ok ? 0 : 2
    }
    case 'run': {
      const input = await readValues(need(values.input, '--input'))
      const { model, manifest } = await loadCompiledModel(need(target, 'DIR'))
      const output = runReference(model, quantizeInput(model, input))
      io.out(JSON.stringify({ model: manifest.name, quantized: output.map(String), values: dequantizeOutput(model, output) }))
      return 0
    }
    default:
      io.err(`unknown command "${command}"\n\n${USAGE}`)
      return 1
  }
}

/** Plain lines repeat a long step's progress at least this often (a log shows the step is alive). */
const PROGRESS_LINE_EVERY_MS = 30_000

/**
 * Progress on stderr: every plain message on its own line; a long step's fraction on the status
 * line of a terminal, else as a line at each tenth or every 30 s.
 */
function progressPrinter(io: Io): (progress: SetupProgress | { step: string; message: string; fraction?: number | undefined }) => void {
  let last = ''
  let lastAt = 0
  let status = false
  const line = (text: string) => {
    if (status) io.status?.('')
    status = false
    io.err(text)
    lastAt = Date.now()
  }
  return (p) => {
    if (p.fraction === undefined) {
      line(`[${p.step}] ${p.message}`)
      last = ''
      return
    }
    const percent = `${Math.floor(p.fraction * 100)}%`
    if (io.status) {
      io.status(`[${p.step}] ${p.message} ${percent}`)
      status = true
      return
    }
    const tenth = `[${p.step}] ${p.message.replace(/[\d.]+ (s|min|h|MiB|GiB)\b.*$/, '')} ${Math.floor(p.fraction * 10) * 10}%`
    if (tenth !== last || Date.now() - lastAt >= PROGRESS_LINE_EVERY_MS) line(`[${p.step}] ${p.message} ${percent}`)
    last = tenth
  }
}

function printSetup(io: Io, manifest: ModelManifest): void {
  const setup = manifest.setup!
  const { phase2 } = setup
  io.out(`definition hash ${manifest.definitionHash}`)
  io.out(`ptau ${setup.ptau.file}: ${setup.ptau.ceremony}, blake2b ${setup.ptau.blake2b.slice(0, 18)}...`)
  io.out(
    phase2
      ? `phase 2: ${plural(phase2.contributions.length, 'contribution')}${phase2.beacon ? ' and a random beacon' : ''}, verified; verifier contract ${setup.verifierContract}`
      : `PLONK: universal setup, no per-circuit secret; verifier contract ${setup.verifierContract}`,
  )
  if (setup.insecure) warnInsecure(io, setup.ptau.kind === 'dev' ? 'a single-party dev ptau' : 'a single-party ptau from an unlisted ceremony')
}

function printPtau(io: Io, ptau: IdentifyPtauReturnType): void {
  io.out(`ptau ${ptau.file}: ${ptau.ceremony}, power ${ptau.power}, blake2b ${ptau.blake2b}${ptau.verified ? ' (verified with snarkjs powersoftau verify)' : ''}`)
  if (ptau.insecure) warnInsecure(io, ptau.insecureReason)
}

function printContributions(io: Io, contributions: readonly ZkeyContribution[]): void {
  contributions.forEach((c, i) => io.out(`  #${i + 1} ${c.hash}  ${c.name ?? ''}${c.beacon ? ' (beacon)' : ''}`))
}

function warnInsecure(io: Io, reason: string | undefined): void {
  io.err(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!! INSECURE SETUP: ${reason ?? 'one party knew the powers-of-tau secret'}.`,
      '!! Whoever made the powers of tau can forge proofs for this model. Development only:',
      '!! for production pass a public ceremony file with --ptau (e.g. powersOfTau28_hez_final_NN.ptau).',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  )
}

function scheme(value: string | undefined): 'groth16' | 'plonk' | undefined {
  if (value === undefined || value === 'groth16' || value === 'plonk') return value
  throw new InvalidCompileOptionError({ option: '--scheme', value, expected: 'groth16 or plonk (fflonk is not verified on-chain)' })
}

function integer(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) throw new InvalidCompileOptionError({ option, value, expected: 'an integer' })
  return n
}

async function readValues(arg: string): Promise<number[]> {
  const text = arg.trim().startsWith('[') ? arg : await readFile(arg, 'utf8')
  const parsed = JSON.parse(text) as unknown
  const flat = Array.isArray(parsed) ? (parsed.flat(Infinity) as unknown[]) : []
  if (flat.length === 0 || flat.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
    throw new InvalidCompileOptionError({ option: '--input', value: arg.length > 60 ? `${arg.slice(0, 60)}...` : arg, expected: 'a non-empty JSON array of finite numbers' })
  return flat as number[]
}

async function readCalibration(path: string): Promise<number[][]> {
  const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown
  const inputs = Array.isArray(parsed)
    ? parsed
    : ((parsed as { inputs?: unknown; calibration?: { inputs?: unknown } }).calibration?.inputs ?? (parsed as { inputs?: unknown }).inputs)
  if (!Array.isArray(inputs) || inputs.length === 0)
    throw new InvalidCompileOptionError({ option: '--calibration', value: path, expected: 'a JSON file with an array of input arrays (or {"inputs": [...]})' })
  return inputs.map((s) => (s as unknown[]).flat(Infinity) as number[])
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`
const formatShare = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(v < 0.1 ? 2 : 1)}%`)

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCompilerCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof BaseError ? `error: ${error.message}` : error)
      process.exit(1)
    },
  )
}
