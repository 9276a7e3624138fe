import type { Dataset } from './loadDatasets.js'
import { createRandom, type Random } from './random.js'

/**
 * The features of the synthetic credit data set, in input order, after the columns of Kaggle's
 * "Give Me Some Credit" (monthly income in thousands). Each is clipped to the range given, so a
 * model's inputs never leave the range its quantization was calibrated on by much.
 */
export const CREDIT_FEATURES = [
  { name: 'revolving utilisation (balance / limit)', min: 0, max: 1.5, decimals: 2 },
  { name: 'age (years)', min: 21, max: 85, decimals: 0 },
  { name: 'times 30-59 days past due (2 years)', min: 0, max: 10, decimals: 0 },
  { name: 'debt ratio (monthly debt / income)', min: 0, max: 3, decimals: 2 },
  { name: 'monthly income (thousands)', min: 0.5, max: 25, decimals: 2 },
  { name: 'open credit lines and loans', min: 0, max: 30, decimals: 0 },
  { name: 'times 90+ days late', min: 0, max: 10, decimals: 0 },
  { name: 'real-estate loans', min: 0, max: 6, decimals: 0 },
  { name: 'times 60-89 days past due (2 years)', min: 0, max: 10, decimals: 0 },
  { name: 'dependents', min: 0, max: 6, decimals: 0 },
] as const

export const CREDIT_CLASS_LABELS = ['repaid', 'defaulted']

export type GenerateCreditDatasetParameters = { samples: number; seed: number }

/**
 * A synthetic credit-scoring data set: `samples` independent applicants, label 1 when the
 * applicant defaulted. A hidden financial-stress factor drives utilisation, debt and the late
 * payments together (so the features correlate as in real bureau data); the default is then drawn
 * with a probability whose log-odds are non-linear in the features: a hinge in utilisation above
 * 0.75, capped counts of late payments, high debt hurting only on a low income, young applicants
 * and very few credit lines riskier. A linear model cannot express the hinge, caps and
 * interaction, so trees beat it a little; the Bernoulli draw is the noise no model can remove.
 * Seeded and deterministic: every value comes from `createRandom(seed)` and is rounded to the
 * feature's decimals.
 */
export function generateCreditDataset({ samples, seed }: GenerateCreditDatasetParameters): Dataset {
  const random = createRandom(seed)
  const featureCount = CREDIT_FEATURES.length
  const inputs = new Float64Array(samples * featureCount)
  const labels = new Uint8Array(samples)
  for (let sample = 0; sample < samples; sample++) {
    const stress = random.normal()
    const age = 48 + 14 * random.normal()
    const income = Math.exp(Math.log(4.5) + 0.012 * (age - 45) - 0.0004 * (age - 45) ** 2 - 0.15 * stress + 0.5 * random.normal())
    const raw = [
      1.1 / (1 + Math.exp(-(0.9 * stress + 0.8 * random.normal() - 0.6))) + 0.05 * random.next(),
      age,
      poisson(random, Math.exp(-1.6 + 0.9 * stress)),
      Math.exp(Math.log(0.35) + 0.3 * stress + 0.5 * random.normal()),
      income,
      poisson(random, Math.max(0.5, 8 + 0.08 * (age - 45) - 0.8 * stress)),
      poisson(random, Math.exp(-2.8 + 1.1 * stress)),
      binomial(random, 6, Math.min(0.9, Math.max(0.02, 0.05 + 0.004 * (age - 21) + 0.02 * (income - 4.5)))),
      poisson(random, Math.exp(-2.6 + 1.0 * stress)),
      binomial(random, 6, age < 30 || age > 65 ? 0.06 : 0.18),
    ]
    const x = raw.map((value, feature) => {
      const { min, max, decimals } = CREDIT_FEATURES[feature]!
      return Number(Math.min(max, Math.max(min, value)).toFixed(decimals))
    })
    inputs.set(x, sample * featureCount)
    labels[sample] = random.next() < defaultProbability(x) ? 1 : 0
  }
  return {
    name: 'credit',
    sampleShape: [featureCount],
    inputs,
    labels,
    classLabels: CREDIT_CLASS_LABELS,
    featureNames: CREDIT_FEATURES.map((feature) => feature.name),
  }
}

/** The ground truth: the probability that an applicant with features `x` (rounded, clipped) defaults. */
export function defaultProbability(x: readonly number[]): number {
  const [utilisation, age, late30, debtRatio, income, openLines, late90, realEstate, late60, dependents] = x as [number, number, number, number, number, number, number, number, number, number]
  const logOdds =
    -2.6 +
    0.5 * utilisation +
    10 * Math.max(utilisation - 0.7, 0) +
    1.1 * Math.min(late30, 2) +
    1.8 * Math.min(late90, 1) +
    1.3 * Math.min(late60, 1) +
    0.8 * Math.max(debtRatio - 0.5, 0) +
    (debtRatio > 0.6 && income < 3.5 ? 2.8 : 0) -
    0.4 * Math.log(income) +
    (age < 28 ? 1.8 : age > 70 ? 1.2 : 0) +
    0.2 * dependents -
    0.2 * realEstate +
    (openLines < 3 ? 1.5 : 0)
  return 1 / (1 + Math.exp(-logOdds))
}

/** Knuth's method: fine for the small means used here. */
function poisson(random: Random, mean: number): number {
  const limit = Math.exp(-mean)
  let count = -1
  let product = 1
  do {
    count++
    product *= random.next()
  } while (product > limit)
  return count
}

function binomial(random: Random, trials: number, probability: number): number {
  let count = 0
  for (let trial = 0; trial < trials; trial++) if (random.next() < probability) count++
  return count
}
