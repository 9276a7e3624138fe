import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { basename, join } from 'node:path'
import { CircomCompileError } from '../errors/circuit.js'
import { peakMemoryMiB, trackChild } from '../process/interrupt.js'
import { wasmTieringFlag } from '../process/wasmTiering.js'
import { nodeModulesWith, TEMPLATES_DIR } from './paths.js'

export type CircomStats = {
  nonLinearConstraints: number
  linearConstraints: number
  publicInputs: number
  privateInputs: number
  wires: number
  labels: number
}

export type CompileCircomParameters = {
  /** The .circom file; may include the templates in circuits/templates and circomlib. */
  file: string
  outDir: string
  /** circom's simplification level: 2 (default) removes every linear constraint. */
  optimization?: 0 | 1 | 2
  /**
   * Called every `progressEveryMs` while circom runs (circom itself says nothing until it ends):
   * seconds elapsed and circom's peak memory so far (MiB, where /proc tells).
   */
  onProgress?: ((progress: { seconds: number; memoryMiB: number | undefined }) => void) | undefined
  progressEveryMs?: number | undefined
}

export type CompileCircomReturnType = { r1cs: string; wasm: string; sym: string; stats: CircomStats; seconds: number; /** circom's peak resident memory (MiB), where /proc tells. */ memoryMiB: number | undefined }

const require = createRequire(import.meta.url)

/** Runs circom (the circom2 WebAssembly build) in a child process: r1cs, wasm witness generator and symbols. */
export async function compileCircom({ file, outDir, optimization = 2, onProgress, progressEveryMs = 1000 }: CompileCircomParameters): Promise<CompileCircomReturnType> {
  const cli = require.resolve('circom2/cli.js')
  // V8's tiering budget raised (process/wasmTiering.ts): 1.1-1.6x less wall time, up to half the CPU.
  const args = [wasmTieringFlag(), cli, file, '--r1cs', '--wasm', '--sym', `--O${optimization}`, '-l', TEMPLATES_DIR, '-l', nodeModulesWith('circomlib'), '-o', outDir]
  const started = performance.now()
  let memoryMiB: number | undefined
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    // A signal to this process stops circom too (it would otherwise compile on, orphaned).
    trackChild(child)
    let output = ''
    const sample = async () => {
      if (child.pid !== undefined && child.exitCode === null) memoryMiB = (await peakMemoryMiB(child.pid)) ?? memoryMiB
    }
    const timer = setInterval(() => {
      void sample().then(() => onProgress?.({ seconds: (performance.now() - started) / 1000, memoryMiB }))
    }, progressEveryMs)
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', (error) => {
      clearInterval(timer)
      fail(error)
    })
    child.on('close', (code) => {
      clearInterval(timer)
      done({ code, output })
    })
  })
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '')
  if (code !== 0 || !plain.includes('Everything went okay')) throw new CircomCompileError({ file, output: plain, code })
  // Anchored at a line start: "linear constraints" must not match "non-linear constraints".
  const stat = (label: string) => Number(plain.match(new RegExp(`^${label}: (\\d+)`, 'm'))?.[1] ?? 0)
  const name = basename(file, '.circom')
  // circom writes CommonJS witness code; mark its folder so it loads inside "type": "module" packages.
  await writeFile(join(outDir, `${name}_js`, 'package.json'), '{ "type": "commonjs" }\n')
  return {
    r1cs: join(outDir, `${name}.r1cs`),
    wasm: join(outDir, `${name}_js`, `${name}.wasm`),
    sym: join(outDir, `${name}.sym`),
    stats: {
      nonLinearConstraints: stat('non-linear constraints'),
      linearConstraints: stat('linear constraints'),
      publicInputs: stat('public inputs'),
      privateInputs: stat('private inputs'),
      wires: stat('wires'),
      labels: stat('labels'),
    },
    seconds: (performance.now() - started) / 1000,
    memoryMiB,
  }
}
