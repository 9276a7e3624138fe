import { concatHex, hexToBigInt, isHex, numberToHex, sliceHex, type Hex } from 'viem'
import { InvalidProofBytesError, InvalidProofFieldError, InvalidVerificationKeyBytesError, InvalidVerificationKeyError } from '../errors/verificationKey.js'

/**
 * A snarkjs PLONK verification key (verification_key.json of `snarkjs plonk setup`), bn128.
 * G1 points are `[x, y, z]` decimal strings, affine (`z` = '1'), or `['0', '1', '0']` at infinity;
 * `X_2` is the G2 point `[[x_re, x_im], [y_re, y_im], ['1', '0']]`.
 */
export type PlonkVerificationKey = {
  protocol: 'plonk'
  curve: 'bn128'
  nPublic: number
  /** The evaluation domain has 2^power points. */
  power: number
  k1: string
  k2: string
  Qm: readonly string[]
  Ql: readonly string[]
  Qr: readonly string[]
  Qo: readonly string[]
  Qc: readonly string[]
  S1: readonly string[]
  S2: readonly string[]
  S3: readonly string[]
  X_2: readonly (readonly string[])[]
  /** The domain's generator, a primitive 2^power-th root of unity. */
  w: string
}

/** A snarkjs PLONK proof (proof.json of `snarkjs plonk prove`), bn128; points as in the key. */
export type PlonkProof = {
  A: readonly string[]
  B: readonly string[]
  C: readonly string[]
  Z: readonly string[]
  T1: readonly string[]
  T2: readonly string[]
  T3: readonly string[]
  Wxi: readonly string[]
  Wxiw: readonly string[]
  eval_a: string
  eval_b: string
  eval_c: string
  eval_s1: string
  eval_s2: string
  eval_zw: string
  protocol: 'plonk'
  curve: 'bn128'
}

/** Words of an encoded key: power, nPublic, k1, k2, w, 8 G1 points, X_2 (4 words). */
export const PLONK_VERIFICATION_KEY_WORDS = 25
/** Words of an encoded proof: 9 G1 points, 6 evaluations (snarkjs's `uint256[24] _proof`). */
export const PLONK_PROOF_WORDS = 24
/** The largest domain power the verifier accepts (2^28 constraints, the largest public ceremony). */
export const PLONK_MAX_POWER = 28

/** Order of BN254's groups: the scalar field of public signals and evaluations. */
const SCALAR_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
/** BN254's base field: the field of point coordinates. */
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

/** 3 / (9 + i), the constant of G2's curve (bn128's twist), real and imaginary parts. */
const TWIST_B_RE = 19485874751759354771024239261021720505790618469301721065564631296452457478373n
const TWIST_B_IM = 266929791119991161246907387137283842545076965332900288569378510910307636690n

const KEY_POINTS = ['Qm', 'Ql', 'Qr', 'Qo', 'Qc', 'S1', 'S2', 'S3'] as const
const PROOF_POINTS = ['A', 'B', 'C', 'Z', 'T1', 'T2', 'T3', 'Wxi', 'Wxiw'] as const
const PROOF_EVALUATIONS = ['eval_a', 'eval_b', 'eval_c', 'eval_s1', 'eval_s2', 'eval_zw'] as const
const PROOF_SYSTEM = 'PLONK'

type Fail = (field: string, value: unknown, reason: string) => never

const keyFail: Fail = (field, value, reason) => {
  throw new InvalidVerificationKeyError({ proofSystem: PROOF_SYSTEM, field, value, reason })
}
const proofFail: Fail = (field, value, reason) => {
  throw new InvalidProofFieldError({ proofSystem: PROOF_SYSTEM, field, value, reason })
}

/**
 * Encodes a snarkjs PLONK verification key as the registry stores it for the PLONK verifier: 25
 * big-endian words `[power, nPublic, k1, k2, w, Qm, Ql, Qr, Qo, Qc, S1, S2, S3 (x, y each),
 * X_2.x_im, X_2.x_re, X_2.y_im, X_2.y_re]`. A G1 point at infinity is (0, 0), as the precompiles
 * take it. Throws InvalidVerificationKeyError for a key the verifier's publicSignalCount rejects
 * (power outside [1, 28], nPublic 0, k1, k2 or w not below r, a point off its curve).
 *
 * @example
 * import { encodePlonkVerificationKey } from '@veridict/sdk'
 *
 * const keyBytes = encodePlonkVerificationKey(JSON.parse(readFileSync('verification_key.json', 'utf8')))
 */
export function encodePlonkVerificationKey(vkey: PlonkVerificationKey): Hex {
  if (vkey.protocol !== 'plonk') keyFail('protocol', vkey.protocol, "the PLONK verifier reads 'plonk' keys only")
  if (vkey.curve !== 'bn128') keyFail('curve', vkey.curve, "the EVM's precompiles are on bn128 only")
  checkPower(vkey.power)
  checkPublicCount(vkey.nPublic)
  const words = [
    BigInt(vkey.power),
    BigInt(vkey.nPublic),
    parseElement(vkey.k1, SCALAR_FIELD, 'k1', keyFail),
    parseElement(vkey.k2, SCALAR_FIELD, 'k2', keyFail),
    parseElement(vkey.w, SCALAR_FIELD, 'w', keyFail),
    ...KEY_POINTS.flatMap((name) => encodeG1(vkey[name], name, keyFail)),
    ...encodeG2(vkey.X_2, 'X_2'),
  ]
  return concatHex(words.map((word) => numberToHex(word, { size: 32 })))
}

/**
 * Decodes a key encoded by encodePlonkVerificationKey back to snarkjs's verification_key.json
 * fields (decode(encode(vkey)) deep-equals vkey). Throws InvalidVerificationKeyBytesError for bytes
 * of the wrong length and InvalidVerificationKeyError for a field the verifier would not read.
 *
 * @example
 * import { decodePlonkVerificationKey } from '@veridict/sdk'
 *
 * const vkey = decodePlonkVerificationKey(keyBytes)
 * await snarkjs.plonk.verify(vkey, publicSignals, proof)
 */
export function decodePlonkVerificationKey(bytes: Hex): PlonkVerificationKey {
  const words = toWords(bytes, PLONK_VERIFICATION_KEY_WORDS, (reason) => {
    throw new InvalidVerificationKeyBytesError({ proofSystem: PROOF_SYSTEM, bytes, reason })
  })
  const word = (index: number) => words[index] as bigint
  const power = checkPower(word(0))
  const nPublic = checkPublicCount(word(1))
  const points = KEY_POINTS.map((name, i) => decodeG1(word(5 + 2 * i), word(6 + 2 * i), name, keyFail))
  const [Qm, Ql, Qr, Qo, Qc, S1, S2, S3] = points as [string[], string[], string[], string[], string[], string[], string[], string[]]
  return {
    protocol: 'plonk',
    curve: 'bn128',
    nPublic,
    power,
    k1: checkElement(word(2), SCALAR_FIELD, 'k1', keyFail).toString(),
    k2: checkElement(word(3), SCALAR_FIELD, 'k2', keyFail).toString(),
    Qm,
    Ql,
    Qr,
    Qo,
    Qc,
    S1,
    S2,
    S3,
    X_2: decodeG2(word(21), word(22), word(23), word(24)),
    w: checkElement(word(4), SCALAR_FIELD, 'w', keyFail).toString(),
  }
}

/**
 * Encodes a snarkjs PLONK proof as the verifier's `proof` bytes: the 24 words of snarkjs's
 * `uint256[24] _proof` (what `snarkjs zkey export soliditycalldata` prints), packed: A, B, C, Z,
 * T1, T2, T3, Wxi, Wxiw (x, y each), eval_a, eval_b, eval_c, eval_s1, eval_s2, eval_zw.
 * Throws InvalidProofFieldError for a proof the verifier rejects by its form: a commitment off the
 * curve or at infinity, a coordinate not below p, an evaluation not below r.
 *
 * @example
 * import { encodePlonkProof } from '@veridict/sdk'
 *
 * const { proof, publicSignals } = await snarkjs.plonk.fullProve(input, wasm, zkey)
 * const proofBytes = encodePlonkProof(proof)
 */
export function encodePlonkProof(proof: PlonkProof): Hex {
  if (proof.protocol !== undefined && proof.protocol !== 'plonk') proofFail('protocol', proof.protocol, "the PLONK verifier reads 'plonk' proofs only")
  if (proof.curve !== undefined && proof.curve !== 'bn128') proofFail('curve', proof.curve, "the EVM's precompiles are on bn128 only")
  const words = [
    ...PROOF_POINTS.flatMap((name) => {
      const point = proof[name]
      if (Array.isArray(point) && point[2] === '0') proofFail(name, point, 'the verifier takes no commitment at infinity')
      return encodeG1(point, name, proofFail)
    }),
    ...PROOF_EVALUATIONS.map((name) => parseElement(proof[name], SCALAR_FIELD, name, proofFail)),
  ]
  return concatHex(words.map((word) => numberToHex(word, { size: 32 })))
}

/**
 * Decodes proof bytes made by encodePlonkProof back to snarkjs's proof object, as
 * `snarkjs.plonk.verify` takes it. Throws InvalidProofBytesError for bytes of the wrong length and
 * InvalidProofFieldError for a coordinate or evaluation outside its field or a point off the curve.
 *
 * @example
 * import { decodePlonkProof } from '@veridict/sdk'
 *
 * const proof = decodePlonkProof(result.fulfilment.proof)
 */
export function decodePlonkProof(bytes: Hex): PlonkProof {
  const words = toWords(bytes, PLONK_PROOF_WORDS, (reason) => {
    throw new InvalidProofBytesError({ proofSystem: PROOF_SYSTEM, bytes, reason })
  })
  const word = (index: number) => words[index] as bigint
  const point = (i: number) => {
    const [name, x, y] = [PROOF_POINTS[i] as string, word(2 * i), word(2 * i + 1)]
    if (x === 0n && y === 0n) proofFail(name, [x, y], 'the verifier takes no commitment at infinity')
    return decodeG1(x, y, name, proofFail)
  }
  const evaluation = (i: number) => checkElement(word(18 + i), SCALAR_FIELD, PROOF_EVALUATIONS[i] as string, proofFail).toString()
  return {
    A: point(0),
    B: point(1),
    C: point(2),
    Z: point(3),
    T1: point(4),
    T2: point(5),
    T3: point(6),
    Wxi: point(7),
    Wxiw: point(8),
    eval_a: evaluation(0),
    eval_b: evaluation(1),
    eval_c: evaluation(2),
    eval_s1: evaluation(3),
    eval_s2: evaluation(4),
    eval_zw: evaluation(5),
    protocol: 'plonk',
    curve: 'bn128',
  }
}

function checkPower(power: number | bigint): number {
  const valid = typeof power === 'bigint' || Number.isInteger(power)
  if (!valid || BigInt(power) < 1n || BigInt(power) > BigInt(PLONK_MAX_POWER))
    keyFail('power', power, `the domain power must be an integer in [1, ${PLONK_MAX_POWER}]`)
  return Number(power)
}

function checkPublicCount(nPublic: number | bigint): number {
  if (typeof nPublic === 'number' ? !Number.isSafeInteger(nPublic) : BigInt(Number.MAX_SAFE_INTEGER) < nPublic)
    keyFail('nPublic', nPublic, 'it must be a safe integer')
  if (BigInt(nPublic) < 1n) keyFail('nPublic', nPublic, 'a circuit for the oracle has at least one public signal')
  return Number(nPublic)
}

function parseElement(value: string, modulus: bigint, field: string, fail: Fail): bigint {
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) fail(field, value, 'it must be a decimal string')
  if (BigInt(value) >= modulus) fail(field, value, outsideField(modulus))
  return BigInt(value)
}

function checkElement(value: bigint, modulus: bigint, field: string, fail: Fail): bigint {
  if (value >= modulus) fail(field, value, outsideField(modulus))
  return value
}

function outsideField(modulus: bigint): string {
  return modulus === SCALAR_FIELD ? "it is not below BN254's scalar field modulus r" : "it is not below BN254's base field modulus p"
}

/** [x, y, '1'] to (x, y), on y^2 = x^3 + 3; the point at infinity, [*, *, '0'], to (0, 0). */
function encodeG1(point: readonly string[], field: string, fail: Fail): [bigint, bigint] {
  if (!Array.isArray(point) || point.length !== 3) fail(field, point, 'a G1 point is [x, y, z]')
  const z = point[2]
  if (z === '0') return [0n, 0n]
  if (z !== '1') fail(field, point, 'a G1 point must be affine (z = "1") or at infinity (z = "0")')
  const x = parseElement(point[0] as string, BASE_FIELD, `${field}.x`, fail)
  const y = parseElement(point[1] as string, BASE_FIELD, `${field}.y`, fail)
  if (!isOnG1(x, y)) fail(field, point, 'it is not on the curve y^2 = x^3 + 3')
  return [x, y]
}

function decodeG1(x: bigint, y: bigint, field: string, fail: Fail): string[] {
  if (x === 0n && y === 0n) return ['0', '1', '0']
  checkElement(x, BASE_FIELD, `${field}.x`, fail)
  checkElement(y, BASE_FIELD, `${field}.y`, fail)
  if (!isOnG1(x, y)) fail(field, [x, y], 'it is not on the curve y^2 = x^3 + 3')
  return [x.toString(), y.toString(), '1']
}

/** [[x_re, x_im], [y_re, y_im], ['1', '0']] to (x_im, x_re, y_im, y_re), the precompile's order. */
function encodeG2(point: readonly (readonly string[])[], field: string): bigint[] {
  if (!Array.isArray(point) || point.length !== 3 || point.some((pair) => !Array.isArray(pair) || pair.length !== 2))
    keyFail(field, point, 'a G2 point is [[x_re, x_im], [y_re, y_im], [z_re, z_im]]')
  const [[xRe, xIm], [yRe, yIm], [zRe, zIm]] = point as [[string, string], [string, string], [string, string]]
  if (zRe !== '1' || zIm !== '0') keyFail(field, point, 'X_2 must be an affine point (z = ["1", "0"])')
  const element = (value: string, name: string) => parseElement(value, BASE_FIELD, `${field}.${name}`, keyFail)
  const words = [element(xIm, 'x_im'), element(xRe, 'x_re'), element(yIm, 'y_im'), element(yRe, 'y_re')] as const
  if (!isOnTwist(...words)) keyFail(field, point, "it is not on G2's curve y^2 = x^3 + 3 / (9 + i)")
  return [...words]
}

function decodeG2(xIm: bigint, xRe: bigint, yIm: bigint, yRe: bigint): string[][] {
  const element = (value: bigint, name: string) => checkElement(value, BASE_FIELD, `X_2.${name}`, keyFail).toString()
  const point = [
    [element(xRe, 'x_re'), element(xIm, 'x_im')],
    [element(yRe, 'y_re'), element(yIm, 'y_im')],
    ['1', '0'],
  ]
  if (!isOnTwist(xIm, xRe, yIm, yRe)) keyFail('X_2', point, "it is not on G2's curve y^2 = x^3 + 3 / (9 + i)")
  return point
}

function isOnG1(x: bigint, y: bigint): boolean {
  return (y * y) % BASE_FIELD === (x * x * x + 3n) % BASE_FIELD
}

/** y^2 = x^3 + 3 / (9 + i) over Fp2 = Fp[i] / (i^2 + 1), coordinates below p. */
function isOnTwist(xIm: bigint, xRe: bigint, yIm: bigint, yRe: bigint): boolean {
  const p = BASE_FIELD
  const mod = (value: bigint) => ((value % p) + p) % p
  const [squareRe, squareIm] = [mod(xRe * xRe - xIm * xIm), mod(2n * xRe * xIm)]
  const [cubeRe, cubeIm] = [mod(squareRe * xRe - squareIm * xIm), mod(squareRe * xIm + squareIm * xRe)]
  return mod(yRe * yRe - yIm * yIm) === mod(cubeRe + TWIST_B_RE) && mod(2n * yRe * yIm) === mod(cubeIm + TWIST_B_IM)
}

function toWords(bytes: Hex, count: number, fail: (reason: string) => never): bigint[] {
  if (typeof bytes !== 'string' || !isHex(bytes, { strict: true }) || bytes.length % 2 !== 0) fail('they are not an even-length 0x-prefixed hex string')
  const length = (bytes.length - 2) / 2
  if (length !== count * 32) fail(`${length} bytes, expected ${count * 32} (${count} words of 32 bytes)`)
  return Array.from({ length: count }, (_, i) => hexToBigInt(sliceHex(bytes, i * 32, (i + 1) * 32)))
}
