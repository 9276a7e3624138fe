import type { Snarkjs } from './proofCheck.js'

let loading: Promise<Snarkjs> | undefined

/** Loads snarkjs's browser bundle (served by the explorer from the snarkjs package) on first use: 700 kB no page needs until a proof is checked. */
export function loadSnarkjs(): Promise<Snarkjs> {
  loading ??= new Promise<Snarkjs>((resolve, reject) => {
    const existing = (window as { snarkjs?: Snarkjs }).snarkjs
    if (existing) return resolve(existing)
    const script = document.createElement('script')
    script.src = '/assets/snarkjs.min.js'
    script.onload = () => {
      const loaded = (window as { snarkjs?: Snarkjs }).snarkjs
      if (loaded) resolve(loaded)
      else reject(new Error('snarkjs.min.js loaded but defined no window.snarkjs'))
    }
    script.onerror = () => {
      loading = undefined
      reject(new Error('snarkjs.min.js could not be loaded from the explorer'))
    }
    document.head.append(script)
  })
  return loading
}
