import { execFile, spawn } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { alive, anvilPrivateKeys, descendants, freePort, nodeConfig, referenceOutputWords, REPO_ROOT, startTestChain, type TestChain, waitFor } from '@veridict/oracle/testing'

/**
 * What a user installs: every workspace package packed to a tarball (npm runs its prepack build),
 * installed with npm into a fresh project outside the repository (real folders, no link back), and
 * used there with plain `node` and `tsc`, never through the workspace's sources or loaders.
 */

const run = promisify(execFile)

/**
 * The Dockerfile, read as docker would (continuation lines joined): the install stage's project
 * manifest and the final stage's user, volumes, environment, health check and command. Docker
 * cannot run here; the installed project below is that image's /opt/veridict, and the tests run its
 * entry point and health check as the container would.
 */
function readDockerfile() {
  const instructions = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'))
    .map((line) => ({ keyword: line.trim().split(/\s+/, 1)[0]!, rest: line.trim().slice(line.trim().indexOf(' ') + 1).trim() }))
  const finalStage = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'))
  const last = (keyword: string) => finalStage.filter((i) => i.keyword === keyword).at(-1)?.rest
  const manifest = /printf '%s\\n' '(\{.*?\})' > package\.json/.exec(instructions.find((i) => i.keyword === 'RUN' && i.rest.includes('> package.json'))?.rest ?? '')
  const env: Record<string, string> = {}
  for (const i of finalStage.filter((i) => i.keyword === 'ENV')) for (const [, key, value] of i.rest.matchAll(/(\w+)=(\S+)/g)) env[key!] = value!
  return {
    from: last('FROM'),
    user: last('USER'),
    workdir: last('WORKDIR'),
    volumes: JSON.parse(last('VOLUME') ?? '[]') as string[],
    env,
    healthcheck: JSON.parse((last('HEALTHCHECK') ?? '').replace(/^.*?CMD\s+/, '')) as string[],
    entrypoint: JSON.parse(last('ENTRYPOINT') ?? '[]') as string[],
    cmd: JSON.parse(last('CMD') ?? '[]') as string[],
    installManifest: JSON.parse(manifest?.[1] ?? 'null') as Record<string, unknown>,
  }
}
const dockerfile = readDockerfile()
const PACKAGES = ['sdk', 'circuits', 'oracle', 'contracts'] as const
type PackageName = (typeof PACKAGES)[number]
type Packed = { filename: string; files: { path: string }[] }

const rootManifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
const work = mkdtempSync(join(tmpdir(), 'veridict-install-'))
const project = join(work, 'project')
const tarballs = {} as Record<PackageName, Packed>
let chain: TestChain

/** Runs `node` on a file of the installed project, with no loader or condition of the workspace's. */
const node = (args: string[], env: Record<string, string> = {}, timeout = 120_000) =>
  run(process.execPath, args, { cwd: project, timeout, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } })

beforeAll(async () => {
  const chainStarted = startTestChain()
  // One package at a time: each build already keeps a core busy, and other test files share the machine.
  for (const name of PACKAGES) {
    const { stdout } = await run('npm', ['pack', `./${name}`, '--pack-destination', work, '--json'], { cwd: REPO_ROOT, timeout: 300_000, maxBuffer: 64 << 20 })
    tarballs[name] = (JSON.parse(stdout.slice(stdout.search(/^\[/m))) as Packed[])[0]!
  }

  mkdirSync(project)
  // better-sqlite3 compiles SQLite from source here (its prebuilt download cannot be reached), as it
  // did for the workspace's own install: about two minutes of CPU. Its installer (prebuild-install)
  // takes a folder of local prebuilds; the workspace's build of the same version for this Node is
  // handed over as one, so the consumer's install unpacks it instead of compiling it again.
  const sqlite = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }
  const prebuilds = join(work, 'prebuilds')
  mkdirSync(prebuilds)
  await run('tar', ['-czf', join(prebuilds, `better-sqlite3-v${sqlite.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`), 'build/Release/better_sqlite3.node'], { cwd: join(REPO_ROOT, 'node_modules/better-sqlite3') })
  // The project the Dockerfile's install stage writes: the native module that builds from source
  // allowed, onnxruntime's CUDA download skipped (the CPU provider ships in the package).
  writeFileSync(join(project, 'package.json'), JSON.stringify({ ...dockerfile.installManifest, type: 'module' }))
  await run(
    'npm',
    ['install', ...PACKAGES.map((name) => join(work, tarballs[name].filename)), `viem@${rootManifest.devDependencies.viem}`, `snarkjs@${rootManifest.devDependencies.snarkjs}`, '--prefer-offline', '--no-audit', '--no-fund'],
    { cwd: project, timeout: 900_000, env: { ...process.env, npm_config_better_sqlite3_local_prebuilds: prebuilds } },
  )
  chain = await chainStarted
}, 1_200_000)

afterAll(async () => {
  await chain?.stop()
})

describe('the packed tarballs', () => {
  test('ship the build, typings, license and changelog; no tests, and no sources where the build is enough', () => {
    const files = (name: PackageName) => tarballs[name].files.map((f) => f.path)
    for (const name of ['sdk', 'circuits', 'oracle'] as const) {
      expect(files(name)).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']))
      expect(files(name).filter((path) => /\.test\.ts$|(^|\/)testing\//.test(path))).toEqual([])
    }
    expect(files('sdk')).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/verify.d.ts', 'dist/prover.d.cts', 'dist/errors.js']))
    expect(files('circuits')).toEqual(expect.arrayContaining(['dist/index.js', 'dist/cli.js', 'dist/snarkjsProver.mjs', 'templates/veridict.circom', 'models/iris.onnx', 'models/digits.onnx']))
    expect(files('oracle')).toEqual(expect.arrayContaining(['bin/veridict.mjs', 'dist/cli.js']))
    // The CLI runs its build: without src/ the bin never reaches for tsx.
    expect(files('oracle').filter((path) => path.startsWith('src/'))).toEqual([])
  })

  test('install as real folders outside the repository', () => {
    for (const name of PACKAGES) {
      const installed = join(project, 'node_modules/@veridict', name)
      expect(lstatSync(installed).isSymbolicLink()).toBe(false)
      expect(realpathSync(installed).startsWith(REPO_ROOT)).toBe(false)
    }
  })

  test('pass publint and are-the-types-wrong', async () => {
    const { publint } = await import('publint')
    const { formatMessage } = await import('publint/utils')
    for (const name of PACKAGES) {
      const bytes = readFileSync(join(work, tarballs[name].filename))
      const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, strict: true })
      expect(messages.map((m) => `${name}: ${formatMessage(m, pkg)}`)).toEqual([])
    }
    for (const name of ['sdk', 'circuits'] as const) {
      // Every entry point resolves to typings of its own module kind (ESM and CJS) under node10,
      // node16 and bundler resolution. circuits' ./testing is the workspace's own, only under the
      // @veridict/source condition, so it is not published to resolve.
      const exclude = name === 'circuits' ? ['--exclude-entrypoints', './testing'] : []
      const attw = await run(join(REPO_ROOT, 'node_modules/.bin/attw'), [join(work, tarballs[name].filename), '--format', 'ascii', '--no-color', '--no-emoji', ...exclude]).catch((error: { stdout: string }) => error)
      expect(attw.stdout).toMatch(/No problems found/)
    }
  }, 120_000)
})

describe('@veridict/sdk as installed', () => {
  test('imports from ESM and CommonJS, with one BaseError across its entry points', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { BaseError, createVeridictClient, packValues, veridictActions, version } from '@veridict/sdk'
import { BaseError as ErrorsBase, ModelNotFoundError } from '@veridict/sdk/errors'
import { verifyResultOffchain } from '@veridict/sdk/verify'
import { proveLocally } from '@veridict/sdk/prover'
console.log(JSON.stringify({ version, sameBase: BaseError === ErrorsBase, subclass: new ModelNotFoundError('0x00') instanceof BaseError, kinds: [createVeridictClient, veridictActions, verifyResultOffchain, proveLocally].map((f) => typeof f), packed: packValues([1n, 2n], 8).map(String) }))
`,
    )
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { BaseError, createVeridictClient, packValues, veridictActions, version } = require('@veridict/sdk')
const errors = require('@veridict/sdk/errors')
const { verifyResultOffchain } = require('@veridict/sdk/verify')
const { proveLocally } = require('@veridict/sdk/prover')
console.log(JSON.stringify({ version, sameBase: BaseError === errors.BaseError, subclass: new errors.ModelNotFoundError('0x00') instanceof BaseError, kinds: [createVeridictClient, veridictActions, verifyResultOffchain, proveLocally].map((f) => typeof f), packed: packValues([1n, 2n], 8).map(String) }))
`,
    )
    const expected = { version: '0.1.0', sameBase: true, subclass: true, kinds: ['function', 'function', 'function', 'function'], packed: ['33409'] }
    expect(JSON.parse((await node(['esm.mjs'])).stdout)).toEqual(expected)
    expect(JSON.parse((await node(['cjs.cjs'])).stdout)).toEqual(expected)
  })

  test('bundles for the browser from the installed package: the main entry and /verify, with viem and snarkjs, no Node built-ins', async () => {
    const { build } = await import('esbuild')
    writeFileSync(join(project, 'browser.mjs'), `import { createVeridictClient, veridictActions } from '@veridict/sdk'\nimport { verifyResultOffchain } from '@veridict/sdk/verify'\nglobalThis.veridict = { createVeridictClient, veridictActions, verifyResultOffchain }\n`)
    const result = await build({ entryPoints: [join(project, 'browser.mjs')], absWorkingDir: project, bundle: true, write: false, platform: 'browser', format: 'esm', metafile: true, logLevel: 'silent' })
    const inputs = Object.keys(result.metafile.inputs)
    expect(inputs.some((file) => file.startsWith('node_modules/@veridict/sdk/dist/'))).toBe(true)
    expect(inputs.some((file) => file.startsWith('node_modules/snarkjs/'))).toBe(true)
    expect(inputs.filter((file) => /node_modules\/@veridict\/(circuits|oracle)\/|onnxruntime/.test(file))).toEqual([])
  }, 120_000)

  // are-the-types-wrong (above) checks the typings themselves under every resolution; this is a
  // consumer's view of them, with the skipLibCheck that viem's own docs recommend.
  test('a consumer typechecks against its typings with moduleResolution bundler and node16', async () => {
    mkdirSync(join(project, 'src'), { recursive: true })
    writeFileSync(
      join(project, 'src/consumer.ts'),
      `import { createPublicClient, http, type Hex } from 'viem'
import { foundry } from 'viem/chains'
import { BaseError, createVeridictClient, quote, veridictActions, type VeridictModel } from '@veridict/sdk'
import { ModelNotFoundError } from '@veridict/sdk/errors'
import { verifyResultOffchain, type VerifyResultOffchainReturnType } from '@veridict/sdk/verify'

const deployment = { chainId: 31337, oracle: '0x0000000000000000000000000000000000000001', registry: '0x0000000000000000000000000000000000000002', staking: '0x0000000000000000000000000000000000000003' } as const
const publicClient = createPublicClient({ chain: foundry, transport: http() })
const veridict = createVeridictClient({ publicClient, deployment })
const extended = publicClient.extend(veridictActions({ deployment }))

export async function price(modelId: Hex): Promise<bigint> {
  const model: VeridictModel = await extended.getModel({ modelId })
  const quoted = await quote(veridict, { modelId: model.modelId })
  return quoted.fee
}

export function describe(error: unknown): string {
  if (error instanceof ModelNotFoundError) return 'no such model: ' + error.shortMessage
  return error instanceof BaseError ? error.shortMessage : String(error)
}

export async function check(result: Parameters<typeof verifyResultOffchain>[1]['result']): Promise<VerifyResultOffchainReturnType['valid']> {
  return (await verifyResultOffchain(veridict, { result })).valid
}
`,
    )
    const typecheck = async ([resolution, module]: readonly [string, string]) => {
      const tsconfig = `tsconfig.${resolution}.json`
      writeFileSync(join(project, tsconfig), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module, moduleResolution: resolution, skipLibCheck: true, types: [], lib: ['ES2022', 'DOM'] }, include: ['src'] }))
      const checked = await run(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', tsconfig], { cwd: project }).catch((error: { stdout: string }) => error)
      return `${resolution}: ${checked.stdout}`
    }
    expect(await Promise.all([['bundler', 'ESNext'], ['node16', 'Node16']].map((r) => typecheck(r as [string, string])))).toEqual(['bundler: ', 'node16: '])
  }, 120_000)

  test('/prover proves a request for the bundled Iris model on this machine; /verify checks the result off-chain; the script exits by itself', async () => {
    const input = chain.testInputs[2]!
    const parameters = {
      rpcUrl: chain.anvil.rpcUrl,
      chainId: chain.anvil.chainId,
      deployment: { chainId: chain.anvil.chainId, deploymentBlock: String(chain.deployment.deploymentBlock), contracts: chain.deployment.contracts },
      modelId: chain.modelId,
      modelDir: chain.modelDir,
      key: anvilPrivateKeys[4],
      inputWords: chain.inputWords(input).map(String),
    }
    writeFileSync(
      join(project, 'prove.mjs'),
      `import { createPublicClient, createWalletClient, defineChain, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createVeridictClient, getResult, requestInference } from '@veridict/sdk'
import { fulfillWithProof, proveLocally } from '@veridict/sdk/prover'
import { verifyResultOffchain } from '@veridict/sdk/verify'

const p = JSON.parse(process.env.VERIDICT_CASE)
const chain = defineChain({ id: p.chainId, name: 'anvil', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [p.rpcUrl] } } })
const transport = http(p.rpcUrl)
const veridict = createVeridictClient({
  publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
  walletClient: createWalletClient({ chain, transport, account: privateKeyToAccount(p.key) }),
  deployment: p.deployment,
})
const { requestId } = await requestInference(veridict, { modelId: p.modelId, inputWords: p.inputWords.map(BigInt) })
const proved = await proveLocally(veridict, { requestId, dir: p.modelDir })
await fulfillWithProof(veridict, proved)
const result = await getResult(veridict, { requestId })
const right = await verifyResultOffchain(veridict, { result })
const changed = { ...result, outputWords: [result.outputWords[0] + 1n, ...result.outputWords.slice(1)] }
const wrong = await verifyResultOffchain(veridict, { result: changed })
// No process.exit: the script ends only once nothing (a prover, a curve worker) keeps it alive.
console.log(JSON.stringify({ status: result.status, finality: result.finality, outputWords: result.outputWords.map(String), right: right.valid, wrong: wrong.valid }))
`,
    )
    const { stdout } = await node(['prove.mjs'], { VERIDICT_CASE: JSON.stringify(parameters) }, 180_000)
    const expected = (await referenceOutputWords(chain.modelDir, input)).map(String)
    expect(JSON.parse(stdout)).toEqual({ status: 'fulfilled', finality: 'final', outputWords: expected, right: true, wrong: false })
  }, 240_000)
})

describe('the veridict command as installed', () => {
  test('--version and --help answer from the build', async () => {
    const bin = join(project, 'node_modules/.bin/veridict')
    expect((await node([bin, '--version'])).stdout.trim()).toBe('veridict 0.1.0')
    const help = await node([bin, '--help'])
    expect(help.stdout).toMatch(/veridict node start/)
    expect(help.stderr).toBe('')
  })

  test("the Dockerfile's image: a node user, config and data volumes, the build as entry point", () => {
    expect(dockerfile.from).toMatch(/^node:\$\{NODE_VERSION\}-bookworm-slim$/)
    expect(dockerfile.user).toBe('node')
    expect(dockerfile.volumes).toEqual(['/config', '/data'])
    expect(dockerfile.entrypoint).toEqual(['node', 'node_modules/@veridict/oracle/bin/veridict.mjs'])
    expect(dockerfile.cmd).toEqual(['node', 'start', '--config', '/config/node.json'])
    expect(dockerfile.installManifest).toMatchObject({ allowScripts: { 'better-sqlite3': true, 'onnxruntime-node': false } })
  })

  test("runs as the image runs it: the entry point with the image's environment serves /health, the health check passes; SIGTERM stops it with no process left, and the health check then fails", async () => {
    const port = await freePort()
    const dir = mkdtempSync(join(tmpdir(), 'veridict-installed-node-'))
    const file = join(dir, 'node.json')
    // node.json as an operator mounts it in /config: no port or data folder (the image's environment sets them).
    const { httpPort: _, dataDir: __, ...config } = nodeConfig(chain, { httpPort: port, modes: ['zk'], logLevel: 'info' })
    writeFileSync(file, JSON.stringify(config))
    // The image's environment, with its ports and data volume moved to free places on this machine, as `docker run -e` would.
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...dockerfile.env, VERIDICT_HTTP_PORT: String(port), VERIDICT_PEER_HTTP_PORT: String(await freePort()), VERIDICT_DATA_DIR: join(dir, 'data'), VERIDICT_OPERATOR_KEY: anvilPrivateKeys[1]! }
    const [command, ...entrypoint] = dockerfile.entrypoint
    expect(command).toBe('node')
    const child = spawn(process.execPath, [...entrypoint, ...dockerfile.cmd.map((arg) => (arg === '/config/node.json' ? file : arg))], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let log = ''
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const healthcheck = () => run(process.execPath, dockerfile.healthcheck.slice(1), { cwd: project, env }).then(() => 0, (error: { code: number }) => error.code)
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.status === 200, { what: 'the installed node to serve /health', timeoutMs: 60_000 })
      expect(dockerfile.healthcheck[0]).toBe('node')
      expect(await healthcheck()).toBe(0)
      const below = descendants(child.pid!)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(log).toMatch(/node stopped/)
      expect(below.filter(alive)).toEqual([])
      expect(await healthcheck()).toBe(1)
    } finally {
      child.kill('SIGKILL')
    }
  }, 120_000)
})
