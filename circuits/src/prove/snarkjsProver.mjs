// Prover process: proves one job at a time with snarkjs (which runs its own worker threads for the
// multi-exponentiations), so proving never blocks the caller's event loop and a crash here cannot
// take the caller down. It runs in a child process rather than a worker thread because
// ffjavascript's web-worker shim cannot start inside a worker thread.
// Messages in: { id, protocol ('groth16' | 'plonk'), input, wasm, zkey };
// out: { id, proof, publicSignals, seconds, maxRssKb, rssKb } or { id, error }.
import * as snarkjs from 'snarkjs'

process.on('message', async ({ id, protocol, input, wasm, zkey }) => {
  const started = performance.now()
  try {
    if (protocol !== 'groth16' && protocol !== 'plonk') throw new Error(`unknown proof system ${JSON.stringify(protocol)}`)
    const { proof, publicSignals } = await snarkjs[protocol].fullProve(input, wasm, zkey)
    process.send({ id, proof, publicSignals, seconds: (performance.now() - started) / 1000, maxRssKb: process.resourceUsage().maxRSS, rssKb: Math.round(process.memoryUsage().rss / 1024) })
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
