/** Bumped whenever generated circuits or quantization change meaning (it is recorded in manifests). */
export const COMPILER_VERSION = '0.3.0'
