// Prover process: proves one Groth16 job at a time with snarkjs (which runs its own worker
// threads for the multi-exponentiations), so proving never blocks the caller's event loop and a
// crash here cannot take the caller down. It runs in a child process rather than a worker thread
// because ffjavascript's web-worker shim cannot start inside a worker thread.
// Messages in: { id, input, wasm, zkey }; out: { id, proof, publicSignals, seconds } or { id, error }.
import * as snarkjs from 'snarkjs'

process.on('message', async ({ id, input, wasm, zkey }) => {
  const started = performance.now()
  try {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey)
    process.send({ id, proof, publicSignals, seconds: (performance.now() - started) / 1000, maxRssKb: process.resourceUsage().maxRSS })
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
