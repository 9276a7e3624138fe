/**
 * Writes the one-step fixtures OneStep.sol is tested against (`npm run fixtures:onestep`):
 * contracts/test/fixtures/onestep/cases.json and openings.json (circuits/src/trace/oneStepFixtures.ts
 * says what they hold). Deterministic: oneStepFixtures.test.ts regenerates them and compares.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../src/circuit/paths.js'
import { fixtureModels, oneStepCases, oneStepOpenings, ONESTEP_FIXTURES_DIRECTORY, serializeFixture } from '../src/trace/oneStepFixtures.js'

const models = fixtureModels()
mkdirSync(ONESTEP_FIXTURES_DIRECTORY, { recursive: true })
for (const [file, fixture] of [
  ['cases.json', oneStepCases(models)],
  ['openings.json', oneStepOpenings(models)],
] as const) {
  const text = serializeFixture(fixture)
  writeFileSync(join(ONESTEP_FIXTURES_DIRECTORY, file), text)
  console.log(`${join(ONESTEP_FIXTURES_DIRECTORY, file).slice(REPO_ROOT.length + 1)}: ${fixture.cases.length} cases, ${(text.length / 1e6).toFixed(2)} MB`)
}
