#!/usr/bin/env node
// `npm test`: the typecheck, vitest and forge test, the first and the last alongside vitest. Most
// end-to-end test files spend their time waiting for anvil's blocks, challenge windows and deadlines,
// so compiling the contracts (solc-js, about two minutes from a clean clone) and typechecking meanwhile
// shortens the whole run. The contracts the devnet deploys are built first, under the build lock the
// test files' devnets take (oracle/src/deploy/artifacts.ts): forge test then finds them in forge's
// cache instead of compiling them a second time beside a test file's build. vitest's output streams;
// the typecheck's and forge's are printed whole when vitest ends, each with its own summary line.
// Fails if any of them fails.
import { spawn } from 'node:child_process'

/** Runs a command; `stream` passes its output through as it comes, else it is kept for the end. */
function run(name, command, args, { stream = false } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', stream ? 'inherit' : 'pipe', stream ? 'inherit' : 'pipe'] })
  let output = ''
  if (!stream) for (const s of [child.stdout, child.stderr]) s.on('data', (chunk) => (output += chunk))
  return new Promise((resolve) => child.on('close', (code) => resolve({ name, code: code ?? 1, output })))
}

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname
// buildContractsIfMissing: what a test file's devnet calls (the same lock, the same forge build).
const contracts = run('contracts build', process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', '--input-type=module', '-e', "await (await import('./oracle/src/devnet/buildContracts.ts')).buildContractsIfMissing()"])
const forge = contracts.then((built) => (built.code === 0 ? run('forge test', process.execPath, [new URL('./forgeTest.mjs', import.meta.url).pathname]) : built))
const background = [run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']), forge]
const vitest = await run('vitest', bin('vitest'), ['run'], { stream: true })
const results = [vitest]
for (const done of background) {
  const result = await done
  results.push(result)
  process.stdout.write(`\n> ${result.name}\n${result.output}`)
}
const failed = results.filter((r) => r.code !== 0)
for (const r of failed) console.error(`npm test: ${r.name} failed (exit ${r.code})`)
process.exit(failed.length ? 1 : 0)
