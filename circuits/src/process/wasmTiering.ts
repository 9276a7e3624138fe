/**
 * V8's WebAssembly tiering budget for the processes that run big WebAssembly programs: circom
 * (circom2 is circom compiled to WebAssembly, 9 MB) and the prover processes (circom's witness
 * programs and snarkjs's curve arithmetic). V8's own budget is 1,800,000: each function is
 * recompiled with its optimizing compiler (TurboFan) as soon as it has run a little, which for these
 * programs costs more than it saves. At 50 million a function is optimized only once it has run a
 * lot (snarkjs's field arithmetic within its first multi-exponentiation; circom's hot loops in a
 * long compile), and code run briefly stays on the baseline compiler.
 *
 * Measured on a 2-core machine (`node --wasm-tiering-budget=N circom2/cli.js`, --O1), V8's default
 * vs 50 million: Iris (689 constraints) 1.9 vs 1.2 s wall, 3.2 vs 1.7 s CPU; digits (3,066) 4.8
 * vs 4.2 s; Iris with private weights (Poseidon, 19,629) 8.2 vs 6.9 s; the 784-56-10 MLP (9,133)
 * 58 vs 54 s. A proof of that MLP in a prover process: 1.50 vs 1.01 s, and resident memory flat
 * instead of growing by about 110 MiB a proof (npm run bench:prover). `--liftoff-only` (never
 * optimize) was faster still for tiny circuits but slower for large ones, and made snarkjs's
 * multi-exponentiations 1.6x slower.
 */
export const WASM_TIERING_BUDGET = 50_000_000

/** The node option that sets it, for a child process's execArgv or command line. */
export function wasmTieringFlag(budget: number = WASM_TIERING_BUDGET): string {
  return `--wasm-tiering-budget=${budget}`
}
