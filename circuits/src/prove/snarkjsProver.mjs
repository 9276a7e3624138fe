// Prover process: proves one job at a time with snarkjs (which runs its own worker threads for the
// multi-exponentiations), so proving never blocks the caller's event loop and a crash here cannot
// take the caller down. It runs in a child process rather than a worker thread because
// ffjavascript's web-worker shim cannot start inside a worker thread.
//
// ProverPool starts it with V8's --wasm-tiering-budget raised from 1.8 to 50 million: circom's
// witness programs are WebAssembly with very large functions (a layer's weights are constants in its
// code), which V8 otherwise re-optimized (TurboFan) on every proof: about a second and 110 MiB more
// resident memory a proof for the 784-56-10 MLP (323, 418, 530, 652 MiB over 4 proofs). Run once a
// proof, they now stay on the baseline compiler (a witness in 0.04-0.14 s), while snarkjs's curve
// arithmetic, run millions of times, is optimized within its first multi-exponentiation as before.
// --liftoff-only would also fix the witness but made the multi-exponentiations 1.6x slower.
//
// Messages in: { id, protocol ('groth16' | 'plonk'), input, wasm, zkey };
// out: { id, progress, seconds } while it works (the step snarkjs is on), then
// { id, proof, publicSignals, seconds, witnessSeconds, maxRssKb, rssKb } or { id, error }.
import * as snarkjs from 'snarkjs'

process.on('message', async ({ id, protocol, input, wasm, zkey }) => {
  const started = performance.now()
  let last
  const step = (name) => {
    if (name === last) return
    last = name
    process.send({ id, progress: name, seconds: (performance.now() - started) / 1000 })
  }
  // snarkjs's debug lines name the step first ("multiexp H: ...", "Reading C Points").
  const logger = { debug: (message) => step(String(message).split(':')[0].trim()), info() {}, warn() {}, error() {} }
  try {
    if (protocol !== 'groth16' && protocol !== 'plonk') throw new Error(`unknown proof system ${JSON.stringify(protocol)}`)
    step('witness')
    const witness = { type: 'mem' }
    await snarkjs.wtns.calculate(input, wasm, witness)
    const witnessSeconds = (performance.now() - started) / 1000
    const { proof, publicSignals } = await snarkjs[protocol].prove(zkey, witness, logger)
    process.send({ id, proof, publicSignals, seconds: (performance.now() - started) / 1000, witnessSeconds, maxRssKb: process.resourceUsage().maxRSS, rssKb: Math.round(process.memoryUsage().rss / 1024) })
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
