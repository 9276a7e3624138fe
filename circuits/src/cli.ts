import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { compileModel } from './compile/compileModel.js'
import { BaseError } from './errors/base.js'
import { InvalidCompileOptionError } from './errors/compile.js'
import { prove } from './prove/prove.js'
import { verify } from './prove/verify.js'
import { loadCompiledModel } from './prove/loadCompiledModel.js'
import { dequantizeOutput, quantizeInput, runReference } from './reference/runReference.js'
import { setupModel } from './setup/setupModel.js'

const USAGE = `veridict model compiler

  veridict compile MODEL.onnx --out DIR [--name NAME] [--scale S] [--input-scale S] [--input-bits B]
                   [--max-bits B] [--calibration FILE.json] [--no-circuit] [--setup] [--ptau FILE]
  veridict setup DIR [--ptau FILE]
  veridict prove DIR --input VALUES [--out PROOF.json]
  veridict verify DIR --proof PROOF.json
  veridict run DIR --input VALUES

VALUES is a JSON array of numbers (the input tensor, row-major) or a path to a JSON file holding one.
--calibration takes a JSON file with an array of input arrays, or {"inputs": [...]}, or {"calibration": {"inputs": [...]}}.
Without --ptau, setup uses a cached single-party dev powers of tau: INSECURE, for development only.`

type Io = { out: (line: string) => void; err: (line: string) => void }

/** Runs one compiler command; returns the process exit code. */
export async function runCompilerCli(argv: string[], io: Io = { out: console.log, err: console.error }): Promise<number> {
  const [command, ...rest] = argv
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      name: { type: 'string' },
      scale: { type: 'string' },
      'input-scale': { type: 'string' },
      'input-bits': { type: 'string' },
      'max-bits': { type: 'string' },
      calibration: { type: 'string' },
      'no-circuit': { type: 'boolean' },
      setup: { type: 'boolean' },
      ptau: { type: 'string' },
      input: { type: 'string' },
      proof: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (!command || values.help || command === 'help') {
    io.out(USAGE)
    return command ? 0 : 1
  }
  const target = positionals[0]
  const need = (value: string | undefined, what: string): string => {
    if (value === undefined) throw new InvalidCompileOptionError({ option: what, value: undefined, expected: `a value (see veridict ${command} --help)` })
    return value
  }
  const progress = (p: { step: string; message: string; fraction?: number | undefined }) => {
    if (p.fraction === undefined) io.err(`[${p.step}] ${p.message}`)
    else if (Math.round(p.fraction * 100) % 10 === 0) io.err(`[${p.step}] ${p.message} ${Math.round(p.fraction * 100)}%`)
  }

  switch (command) {
    case 'compile': {
      const { manifest, dir } = await compileModel({
        onnx: need(target, 'MODEL.onnx'),
        outDir: need(values.out, '--out'),
        name: values.name,
        scale: integer(values.scale, '--scale'),
        inputScale: integer(values['input-scale'], '--input-scale'),
        inputBits: integer(values['input-bits'], '--input-bits'),
        maxBits: integer(values['max-bits'], '--max-bits'),
        calibration: values.calibration ? await readCalibration(values.calibration) : undefined,
        circuit: !values['no-circuit'],
        onProgress: progress,
      })
      io.out(`compiled ${manifest.name}: ${manifest.circuit ? `${manifest.circuit.constraints} constraints` : 'no circuit (attested only)'}, scale 2^${manifest.quantization.scale}, input ${manifest.input.bits} bits at 2^${manifest.input.scale}, calibration agreement ${formatShare(manifest.calibration.top1Agreement)}`)
      if (values.setup && manifest.circuit) {
        const setup = await setupModel({ dir, ptau: values.ptau, onProgress: progress })
        io.out(`model id ${setup.manifest.modelId}${setup.manifest.setup?.insecure ? '  (INSECURE dev setup)' : ''}`)
      }
      io.out(`artifacts in ${dir}`)
      return 0
    }
    case 'setup': {
      const { manifest } = await setupModel({ dir: need(target, 'DIR'), ptau: values.ptau, onProgress: progress })
      io.out(`model id ${manifest.modelId}; verifier contract ${manifest.setup?.verifierContract}${manifest.setup?.insecure ? '  (INSECURE dev setup: use --ptau with a ceremony file for production)' : ''}`)
      return 0
    }
    case 'prove': {
      const dir = need(target, 'DIR')
      const input = await readValues(need(values.input, '--input'))
      const result = await prove({ dir, input: { values: input } })
      const proofJson = {
        proof: result.proof,
        publicSignals: result.publicSignals,
        inputWords: result.inputWords.map(String),
        outputWords: result.outputWords.map(String),
        output: result.output.map(String),
      }
      if (values.out) await writeFile(values.out, `${JSON.stringify(proofJson, null, 2)}\n`)
      io.out(`output ${JSON.stringify(result.output.map(String))}; proved in ${result.seconds.toFixed(2)} s${values.out ? `; written to ${values.out}` : ''}`)
      if (!values.out) io.out(JSON.stringify(proofJson))
      return 0
    }
    case 'verify': {
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

const formatShare = (v: number | undefined) => (v === undefined ? 'n/a' : `${(v * 100).toFixed(1)}%`)

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCompilerCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof BaseError ? `error: ${error.message}` : error)
      process.exit(1)
    },
  )
}
