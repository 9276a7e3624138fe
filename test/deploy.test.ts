import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { createPublicClient, getContractAddress, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { type Anvil, anvilPrivateKeys, REPO_ROOT, startAnvil } from '@veridict/oracle/testing'

/**
 * `npm run deploy` against a chain that is not a local anvil (an anvil run with Sepolia's chain id),
 * with the deployer's key in a keystore written by Foundry's `cast wallet import`.
 */

const run = promisify(execFile)
const deploy = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', join(REPO_ROOT, 'oracle/src/deploy/deploy.ts'), ...args], {
    cwd: REPO_ROOT,
    timeout: 300_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  )

const SEPOLIA = 11155111
let anvil: Anvil
const dir = mkdtempSync(join(tmpdir(), 'veridict-deploy-'))
const deployer = privateKeyToAccount(anvilPrivateKeys[3]!)

beforeAll(async () => {
  anvil = await startAnvil({ chainId: SEPOLIA })
  await run(join(REPO_ROOT, 'node_modules/.bin/cast'), ['wallet', 'import', 'deployer', '--private-key', anvilPrivateKeys[3]!, '--unsafe-password', 'correct horse', '--keystore-dir', dir])
}, 120_000)
afterAll(async () => {
  await anvil?.stop()
})

test('--help lists the key sources and every parameter', async () => {
  const { code, stdout } = await deploy(['--help'])
  expect(code).toBe(0)
  for (const option of ['--keystore', 'VERIDICT_KEYSTORE_PASSWORD', 'VERIDICT_DEPLOYER_KEY', '--min-stake', '--challenge-window', '--unbonding-period', '--round-blocks', '--max-bounty', '--treasury', '--trace-bond', '--trace-move-period', '--out']) expect(stdout).toContain(option)
})

test("off anvil, no key is an error: anvil's default account is never used silently", async () => {
  const { code, stderr } = await deploy(['--rpc-url', anvil.rpcUrl, '--out', join(dir, 'none.json')])
  expect(code).toBe(1)
  expect(stderr).toMatch(/No deployer key for chain 11155111/)
  expect(stderr).toMatch(/--keystore/)
})

test('a wrong keystore password, a missing password and a malformed amount are refused before any transaction', async () => {
  const keystore = join(dir, 'deployer')
  const before = await createPublicClient({ transport: http(anvil.rpcUrl) }).getTransactionCount({ address: deployer.address })
  expect((await deploy(['--rpc-url', anvil.rpcUrl, '--keystore', keystore], { VERIDICT_KEYSTORE_PASSWORD: 'wrong' })).stderr).toMatch(/wrong keystore password/)
  expect((await deploy(['--rpc-url', anvil.rpcUrl, '--keystore', keystore])).stderr).toMatch(/needs its password in VERIDICT_KEYSTORE_PASSWORD/)
  expect((await deploy(['--rpc-url', anvil.rpcUrl, '--keystore', keystore, '--min-stake', '1e18'], { VERIDICT_KEYSTORE_PASSWORD: 'correct horse' })).stderr).toMatch(/--min-stake 1e18 is not a whole number/)
  expect(await createPublicClient({ transport: http(anvil.rpcUrl) }).getTransactionCount({ address: deployer.address })).toBe(before)
})

test('--dry-run deploys to a local fork instead: the same addresses and the gas and its cost are printed; nothing reaches the chain', async () => {
  const out = join(dir, 'dry.json')
  const client = createPublicClient({ transport: http(anvil.rpcUrl) })
  const before = await client.getTransactionCount({ address: deployer.address })
  const { code, stdout, stderr } = await deploy(['--rpc-url', anvil.rpcUrl, '--keystore', join(dir, 'deployer'), '--out', out, '--dry-run'], { VERIDICT_KEYSTORE_PASSWORD: 'correct horse' })
  expect(stderr).toBe('')
  expect(code).toBe(0)
  expect(stdout).toContain(`Dry run: deploying to a local fork of chain ${SEPOLIA} from ${deployer.address}`)
  expect(stdout).toContain(`  inferenceOracle: ${getContractAddress({ from: deployer.address, nonce: BigInt(before + 3) })}`)
  expect(stdout).toMatch(/^\d+ gas in 4 transactions: at most [\d.]+ ETH at today's fee cap of [\d.]+ gwei per gas\.$/m)
  expect(stdout).toContain('Nothing was sent and no file written.')
  expect(await client.getTransactionCount({ address: deployer.address })).toBe(before)
  expect(existsSync(out)).toBe(false)
}, 300_000)

test('deploy:local takes another port (--rpc-url) and uses anvil\'s default account on a local chain', async () => {
  const local = await startAnvil()
  try {
    const out = join(dir, 'local.json')
    const { stdout } = await run('npm', ['run', '--silent', 'deploy:local', '--', '--rpc-url', local.rpcUrl, '--out', out], { cwd: REPO_ROOT, timeout: 300_000 })
    expect(stdout).toContain("(anvil's first default account (local chain))")
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ chainId: 31337 })
  } finally {
    await local.stop()
  }
}, 300_000)

test('deploys from the keystore and writes the deployment the node and the SDK read', async () => {
  const out = join(dir, 'sepolia.json')
  const { code, stdout, stderr } = await deploy(['--rpc-url', anvil.rpcUrl, '--keystore', join(dir, 'deployer'), '--out', out, '--challenge-window', '3600'], { VERIDICT_KEYSTORE_PASSWORD: 'correct horse' })
  expect(stderr).toBe('')
  expect(code).toBe(0)
  expect(stdout).toContain(`from ${deployer.address} (keystore`)
  const written = JSON.parse(readFileSync(out, 'utf8')) as { chainId: number; deployer: string; contracts: Record<string, `0x${string}`>; parameters: { challengeWindow: string } }
  expect(written).toMatchObject({ chainId: SEPOLIA, deployer: deployer.address, parameters: { challengeWindow: '3600' } })
  const client = createPublicClient({ transport: http(anvil.rpcUrl) })
  for (const address of Object.values(written.contracts)) expect((await client.getCode({ address }))?.length ?? 0).toBeGreaterThan(2)
}, 300_000)
