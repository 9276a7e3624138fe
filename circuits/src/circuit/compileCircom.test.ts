import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { testDir } from '../testing/opHarness.js'
import { compileCircom } from './compileCircom.js'

test("circom's statistics are read line by line: linear constraints are not the non-linear count", async () => {
  const dir = await testDir('circom-stats')
  const file = join(dir, 'stats.circom')
  // Two products (non-linear) and one sum (linear), kept apart at --O0.
  await writeFile(file, 'pragma circom 2.1.0;\ntemplate T() { signal input a; signal input b; signal output c; signal output d; signal output e; c <== a * b; d <== c * a; e <== a + b; }\ncomponent main = T();\n')
  const { stats } = await compileCircom({ file, outDir: dir, optimization: 0 })
  expect(stats).toMatchObject({ nonLinearConstraints: 2, linearConstraints: 1, privateInputs: 2 })
})
