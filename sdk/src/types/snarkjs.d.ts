declare module 'snarkjs' {
  /** snarkjs logs through any object with these methods (console works). */
  export type SnarkjsLogger = {
    debug(message: string): void
    info(message: string): void
    warn(message: string): void
    error(message: string): void
  }

  /** A file path, or an in-memory file as snarkjs's fastfile accepts it. */
  export type SnarkjsFile = string | { type: 'mem'; data?: Uint8Array }

  export type Groth16Proof = {
    pi_a: string[]
    pi_b: string[][]
    pi_c: string[]
    protocol: 'groth16'
    curve: string
  }

  /** Public signals as decimal strings, in the circuit's public signal order. */
  export type PublicSignals = string[]

  export type VerificationKey = {
    protocol: string
    curve: string
    nPublic: number
    [key: string]: unknown
  }

  export type CircuitSignals = Record<string, unknown>

  export const groth16: {
    fullProve(
      input: CircuitSignals,
      wasmFile: SnarkjsFile,
      zkeyFile: SnarkjsFile,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>
    prove(zkeyFile: SnarkjsFile, witnessFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }>
    verify(verificationKey: VerificationKey, publicSignals: PublicSignals, proof: Groth16Proof, logger?: SnarkjsLogger): Promise<boolean>
    exportSolidityCallData(proof: Groth16Proof, publicSignals: PublicSignals): Promise<string>
  }

  export type PlonkProof = {
    A: string[]
    B: string[]
    C: string[]
    Z: string[]
    T1: string[]
    T2: string[]
    T3: string[]
    Wxi: string[]
    Wxiw: string[]
    eval_a: string
    eval_b: string
    eval_c: string
    eval_s1: string
    eval_s2: string
    eval_zw: string
    protocol: 'plonk'
    /** Veridict verifies bn128 only. */
    curve: 'bn128'
  }

  export const plonk: {
    /** PLONK setup over a universal ptau: no per-circuit contribution. Resolves to -1 when it refuses (the reason goes to the logger). */
    setup(r1csFile: SnarkjsFile, ptauFile: SnarkjsFile, zkeyFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<unknown>
    fullProve(
      input: CircuitSignals,
      wasmFile: SnarkjsFile,
      zkeyFile: SnarkjsFile,
      logger?: SnarkjsLogger,
    ): Promise<{ proof: PlonkProof; publicSignals: PublicSignals }>
    prove(zkeyFile: SnarkjsFile, witnessFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<{ proof: PlonkProof; publicSignals: PublicSignals }>
    verify(verificationKey: VerificationKey, publicSignals: PublicSignals, proof: PlonkProof, logger?: SnarkjsLogger): Promise<boolean>
    exportSolidityCallData(proof: PlonkProof, publicSignals: PublicSignals): Promise<string>
  }

  export const zKey: {
    /** groth16 setup; resolves to the circuit hash, or to -1 when it refuses (the reason goes to the logger). */
    newZKey(r1csFile: SnarkjsFile, ptauFile: SnarkjsFile, zkeyFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<Uint8Array | -1>
    exportVerificationKey(zkeyFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<VerificationKey>
    exportSolidityVerifier(zkeyFile: SnarkjsFile, templates: Record<string, string>, logger?: SnarkjsLogger): Promise<string>
    contribute(zkeyOld: SnarkjsFile, zkeyNew: SnarkjsFile, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>
    /** Resolves to the contribution hash, or to false when it refuses the beacon (the reason goes to the logger). */
    beacon(zkeyOld: SnarkjsFile, zkeyNew: SnarkjsFile, name: string, beaconHash: string, numIterationsExp: number, logger?: SnarkjsLogger): Promise<Uint8Array | false>
    /** Rebuilds the initial key from the r1cs and the ptau and checks every contribution of the key against it. */
    verifyFromR1cs(r1csFile: SnarkjsFile, ptauFile: SnarkjsFile, zkeyFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<boolean>
  }

  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: SnarkjsFile, logger?: SnarkjsLogger): Promise<Uint8Array>
    contribute(oldPtau: SnarkjsFile, newPtau: SnarkjsFile, name: string, entropy: string, logger?: SnarkjsLogger): Promise<Uint8Array>
    preparePhase2(oldPtau: SnarkjsFile, newPtau: SnarkjsFile, logger?: SnarkjsLogger): Promise<void>
    verify(ptauFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<boolean>
  }

  export const wtns: {
    calculate(input: CircuitSignals, wasmFile: SnarkjsFile, wtnsFile: SnarkjsFile): Promise<void>
    check(r1csFile: SnarkjsFile, wtnsFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<boolean>
    exportJson(wtnsFile: SnarkjsFile): Promise<bigint[]>
  }

  export const r1cs: {
    info(r1csFile: SnarkjsFile, logger?: SnarkjsLogger): Promise<{ nConstraints: number; nVars: number; nOutputs: number; nPubInputs: number; nPrvInputs: number }>
  }
}
