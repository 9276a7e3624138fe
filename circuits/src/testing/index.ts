/**
 * `@veridict/circuits/testing`: what the workspace's tests and benchmarks build models and test
 * folders with. Only in the repository (the `@veridict/source` condition); not published.
 */
export { testDir, seededRandom, randomArray, TEST_BENEFICIARY } from './opHarness.js'
export { buildModel } from '../onnx/buildModel.js'
export { createMlp, type Mlp } from '../models/mlp.js'
export { exportMlp } from '../models/exportMlp.js'
export { createRandom, type Random } from '../models/random.js'
