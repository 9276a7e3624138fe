import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeAbiParameters } from 'viem'
import { describe, expect, test } from 'vitest'
import { oneStepFromBytes, verifyOneStep } from './oneStep.js'
import { CASE_ABI, fixtureModels, ONESTEP_FIXTURES_DIRECTORY, OPENING_ABI, oneStepCases, oneStepOpenings, serializeFixture, type FixtureFile } from './oneStepFixtures.js'

const committed = (file: string) => readFileSync(join(ONESTEP_FIXTURES_DIRECTORY, file), 'utf8')
const models = fixtureModels()

describe('the one-step fixtures (npm run fixtures:onestep)', () => {
  test('cases.json is what the generator writes, and every case is the spec formula of its header and row', () => {
    const fixture = oneStepCases(models)
    expect(serializeFixture(fixture) === committed('cases.json'), 'cases.json is stale: run npm run fixtures:onestep').toBe(true)
    const kinds = new Set<number>()
    fixture.cases.forEach((c, i) => {
      const [header, row, xs, expected] = decodeAbiParameters(CASE_ABI, c)
      kinds.add(Number(`0x${header.slice(2 + 62, 2 + 64)}`))
      expect(oneStepFromBytes(header, row, xs), fixture.names[i]).toBe(expected)
    })
    expect([...kinds].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(fixture.cases.length).toBeGreaterThanOrEqual(280)
    expect(new Set(fixture.names).size).toBe(fixture.names.length)
  })

  test('openings.json is what the generator writes, and every opening verifies and recomputes its value', () => {
    const fixture: FixtureFile = oneStepOpenings(models)
    const text = serializeFixture(fixture)
    expect(text === committed('openings.json'), 'openings.json is stale: run npm run fixtures:onestep').toBe(true)
    expect(text.length).toBeLessThan(3e6)
    expect(new Set(fixture.names).size).toBe(fixture.names.length)
    fixture.cases.forEach((c, i) => {
      const [parametersRoot, stageCount, traceRoot, stage, r, step, expected] = decodeAbiParameters(OPENING_ABI, c)
      expect(verifyOneStep({ parametersRoot, stageCount: Number(stageCount), traceRoot, stage: Number(stage), r: Number(r), step }), fixture.names[i]).toBe(expected)
    })
  })
})
