import { concatHex, numberToHex, size, sliceHex, hexToBigInt, type Hex } from 'viem'
import { InvalidVerificationKeyBytesError, InvalidVerificationKeyError } from '../errors/verificationKey.js'

/** A snarkjs Groth16 verification key (vkey.json): points as decimal strings in projective form. */
export type Groth16VerificationKey = {
  protocol: 'groth16'
  curve: 'bn128'
  nPublic: number
  vk_alpha_1: readonly string[]
  vk_beta_2: readonly (readonly string[])[]
  vk_gamma_2: readonly (readonly string[])[]
  vk_delta_2: readonly (readonly string[])[]
  IC: readonly (readonly string[])[]
  [key: string]: unknown
}

/** Words before the IC points: alpha (G1, 2 words), beta, gamma and delta (G2, 4 words each). */
const HEAD_WORDS = 14

/**
 * The on-chain encoding of a Groth16 key that ModelRegistry stores and Groth16Verifier reads:
 * 32-byte big-endian words `alpha.x, alpha.y, beta, gamma, delta, IC[0].x, IC[0].y, ...,
 * IC[n].x, IC[n].y`, each G2 point as `x_im, x_re, y_im, y_re` (the pairing precompile's order).
 * The public signal count is implied: n = (words - 14) / 2 - 1.
 *
 * @example
 * import { encodeGroth16VerificationKey } from '@veridict/sdk'
 *
 * const key = encodeGroth16VerificationKey(JSON.parse(readFileSync('vkey.json', 'utf8')))
 */
export function encodeGroth16VerificationKey(vkey: Groth16VerificationKey): Hex {
  if (vkey.protocol !== 'groth16') throw invalid('protocol', vkey.protocol, 'it must be "groth16"')
  if (vkey.curve !== 'bn128') throw invalid('curve', vkey.curve, 'only bn128 is verified on-chain')
  if (!Number.isInteger(vkey.nPublic) || vkey.nPublic < 1) throw invalid('nPublic', vkey.nPublic, 'a key verifies at least one public signal')
  if (!Array.isArray(vkey.IC) || vkey.IC.length !== vkey.nPublic + 1) throw invalid('IC', vkey.IC?.length, `it needs nPublic + 1 = ${vkey.nPublic + 1} points`)
  const words = [...g1(vkey.vk_alpha_1, 'vk_alpha_1'), ...g2(vkey.vk_beta_2, 'vk_beta_2'), ...g2(vkey.vk_gamma_2, 'vk_gamma_2'), ...g2(vkey.vk_delta_2, 'vk_delta_2')]
  vkey.IC.forEach((point, i) => words.push(...g1(point, `IC[${i}]`)))
  return concatHex(words.map((word) => numberToHex(word, { size: 32 })))
}

/**
 * The snarkjs JSON of an on-chain Groth16 key (what ModelRegistry.getVerificationKey returns),
 * for `snarkjs.groth16.verify`.
 *
 * @example
 * import { decodeGroth16VerificationKey } from '@veridict/sdk'
 *
 * const vkey = decodeGroth16VerificationKey(bytes)
 */
export function decodeGroth16VerificationKey(bytes: Hex): Groth16VerificationKey {
  const length = size(bytes)
  const count = length / 32
  if (length % 32 !== 0 || count < HEAD_WORDS + 4 || (count - HEAD_WORDS) % 2 !== 0)
    throw new InvalidVerificationKeyBytesError({ proofSystem: 'groth16', bytes, reason: `${length} bytes is not 14 words plus two or more G1 points` })
  const word = (i: number) => hexToBigInt(sliceHex(bytes, i * 32, i * 32 + 32)).toString()
  const point1 = (i: number) => [word(i), word(i + 1), '1']
  const point2 = (i: number) => [
    [word(i + 1), word(i)],
    [word(i + 3), word(i + 2)],
    ['1', '0'],
  ]
  const icCount = (count - HEAD_WORDS) / 2
  return {
    protocol: 'groth16',
    curve: 'bn128',
    nPublic: icCount - 1,
    vk_alpha_1: point1(0),
    vk_beta_2: point2(2),
    vk_gamma_2: point2(6),
    vk_delta_2: point2(10),
    IC: Array.from({ length: icCount }, (_, i) => point1(HEAD_WORDS + 2 * i)),
  }
}

const invalid = (field: string, value: unknown, reason: string) => new InvalidVerificationKeyError({ proofSystem: 'groth16', field, value, reason })

function g1(point: readonly string[] | undefined, name: string): bigint[] {
  if (!point || point[2] !== '1') throw invalid(name, point, 'it is not an affine G1 point [x, y, "1"]')
  return [field(point[0], name), field(point[1], name)]
}

function g2(point: readonly (readonly string[])[] | undefined, name: string): bigint[] {
  const [x, y, z] = point ?? []
  if (!x || !y || z?.[0] !== '1' || z[1] !== '0') throw invalid(name, point, 'it is not an affine G2 point [[x_re, x_im], [y_re, y_im], ["1", "0"]]')
  return [field(x[1], name), field(x[0], name), field(y[1], name), field(y[0], name)]
}

/** The bn128 base field modulus. */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

function field(value: string | undefined, name: string): bigint {
  let n: bigint
  try {
    n = BigInt(value ?? '')
  } catch {
    throw invalid(name, value, 'a coordinate is not a decimal integer')
  }
  if (value === '' || n < 0n || n >= Q) throw invalid(name, value, 'a coordinate lies outside the base field')
  return n
}
