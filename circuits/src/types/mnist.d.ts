declare module 'mnist' {
  /** One digit class of the bundled sample (10,000 MNIST digits in all). */
  export type MnistDigit = {
    id: number
    /** Number of 28x28 samples of this digit. */
    length: number
    /** All samples concatenated, 784 floats each in [0, 1], row-major. */
    raw: number[]
    get(index?: number): number[]
  }
  type Mnist = MnistDigit[] & {
    set(training: number, test: number): {
      training: { input: number[]; output: number[] }[]
      test: { input: number[]; output: number[] }[]
    }
  }
  const mnist: Mnist
  export default mnist
}
