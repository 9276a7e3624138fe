import { keccak256, type Hex } from 'viem'
import { describe, expect, test } from 'vitest'
import { KNOWN_PTAU_FILES, ptauRecordHash } from '../encoding/knownCeremonies.js'
import type { ProofSystem } from '../encoding/modelDefinition.js'
import { UntrustedSetupError } from '../errors/model.js'
import { assertSetup, describeSetup } from './modelSetup.js'

const HERMEZ_14 = ptauRecordHash(KNOWN_PTAU_FILES.find((f) => f.power === 14)!.blake2b)
const model = (proofSystem: ProofSystem, record: { ptauHash: Hex; contributions: number; insecure: boolean; listedCeremony: boolean }) => ({
  modelId: keccak256('0x01'),
  proofSystem,
  setup: proofSystem === 'none' ? undefined : describeSetup(proofSystem, record),
})

describe('model setup', () => {
  test('summarises the record for people', () => {
    expect(describeSetup('groth16', { ptauHash: keccak256('0x02'), contributions: 1, insecure: true, listedCeremony: false }).summary).toBe('dev setup, 1 contribution, INSECURE')
    expect(describeSetup('groth16', { ptauHash: HERMEZ_14, contributions: 3, insecure: false, listedCeremony: true })).toMatchObject({
      ceremonyFile: 'powersOfTau28_hez_final_14.ptau',
      summary: 'powersOfTau28_hez_final_14.ptau (Perpetual Powers of Tau), 3 contributions',
    })
    expect(describeSetup('plonk', { ptauHash: HERMEZ_14, contributions: 0, insecure: false, listedCeremony: true }).summary).toBe('powersOfTau28_hez_final_14.ptau (Perpetual Powers of Tau), universal setup (no phase 2)')
    expect(describeSetup('groth16', { ptauHash: keccak256('0x03'), contributions: 2, insecure: false, listedCeremony: false }).summary).toMatch(/^unlisted ceremony 0x[0-9a-f]{8}\.\.\., 2 contributions$/)
  })

  test('assertSetup refuses a dev setup, an unlisted ceremony and too few contributions, each unless allowed', () => {
    const dev = model('groth16', { ptauHash: keccak256('0x02'), contributions: 1, insecure: true, listedCeremony: false })
    expect(() => assertSetup(dev)).toThrow(UntrustedSetupError)
    expect(() => assertSetup(dev)).toThrow(/single-party dev powers of tau/)
    expect(() => assertSetup(dev, { allowInsecure: true })).toThrow(/not a public ceremony file the registry lists/)
    expect(() => assertSetup(dev, { allowInsecure: true, allowUnlistedCeremony: true })).not.toThrow()

    const ceremony = model('groth16', { ptauHash: HERMEZ_14, contributions: 3, insecure: false, listedCeremony: true })
    expect(() => assertSetup(ceremony, { minContributions: 3 })).not.toThrow()
    expect(() => assertSetup(ceremony, { minContributions: 4 })).toThrow(/3 phase-2 contributions, fewer than the 4 required/)

    expect(() => assertSetup(model('plonk', { ptauHash: HERMEZ_14, contributions: 0, insecure: false, listedCeremony: true }), { minContributions: 5 })).not.toThrow()
    expect(() => assertSetup(model('none', { ptauHash: keccak256('0x00'), contributions: 0, insecure: false, listedCeremony: false }))).not.toThrow()
  })
})
