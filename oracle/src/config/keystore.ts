import { createDecipheriv, pbkdf2Sync, scryptSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { bytesToHex, hexToBytes, keccak256, type Hex } from 'viem'
import { OperatorKeyError } from '../errors/config.js'

type KeystoreV3 = {
  version: number
  crypto?: KeystoreCrypto
  Crypto?: KeystoreCrypto
}
type KeystoreCrypto = {
  cipher: string
  ciphertext: string
  cipherparams: { iv: string }
  kdf: 'scrypt' | 'pbkdf2'
  kdfparams: { dklen: number; salt: string; n?: number; r?: number; p?: number; c?: number; prf?: string }
  mac: string
}

/**
 * Decrypts a Web3 Secret Storage v3 keystore (the JSON that geth, ethers and foundry's `cast wallet`
 * write): scrypt or pbkdf2, aes-128-ctr, keccak256 MAC.
 */
export function decryptKeystore(json: string, password: string, role: 'operator' | 'deployer' = 'operator'): Hex {
  let keystore: KeystoreV3
  try {
    keystore = JSON.parse(json) as KeystoreV3
  } catch (cause) {
    throw new OperatorKeyError({ role, reason: 'the keystore is not valid JSON', cause })
  }
  const crypto = keystore.crypto ?? keystore.Crypto
  if (keystore.version !== 3 || !crypto) throw new OperatorKeyError({ role, reason: `unsupported keystore version ${keystore.version} (expected 3)` })
  if (crypto.cipher !== 'aes-128-ctr') throw new OperatorKeyError({ role, reason: `unsupported keystore cipher ${crypto.cipher} (expected aes-128-ctr)` })
  const salt = hexToBytes(`0x${crypto.kdfparams.salt.replace(/^0x/, '')}`)
  const { dklen } = crypto.kdfparams
  let derived: Buffer
  if (crypto.kdf === 'scrypt') {
    const { n = 0, r = 8, p = 1 } = crypto.kdfparams
    derived = scryptSync(password, salt, dklen, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 })
  } else if (crypto.kdf === 'pbkdf2') {
    if (crypto.kdfparams.prf !== 'hmac-sha256') throw new OperatorKeyError({ role, reason: `unsupported pbkdf2 prf ${crypto.kdfparams.prf}` })
    derived = pbkdf2Sync(password, salt, crypto.kdfparams.c ?? 0, dklen, 'sha256')
  } else {
    throw new OperatorKeyError({ role, reason: `unsupported keystore kdf ${String(crypto.kdf)}` })
  }
  const ciphertext = hexToBytes(`0x${crypto.ciphertext.replace(/^0x/, '')}`)
  const mac = keccak256(new Uint8Array([...derived.subarray(16, 32), ...ciphertext]))
  if (mac.slice(2).toLowerCase() !== crypto.mac.replace(/^0x/, '').toLowerCase()) throw new OperatorKeyError({ role, reason: 'wrong keystore password (MAC mismatch)' })
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), Buffer.from(crypto.cipherparams.iv.replace(/^0x/, ''), 'hex'))
  const key = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  return bytesToHex(key)
}

/** A private key given in the environment variable `variable`, with or without 0x; its value is never put in an error. */
export function parsePrivateKey(variable: string, raw: string, role: 'operator' | 'deployer' = 'operator'): Hex {
  const key = raw.startsWith('0x') ? raw : `0x${raw}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new OperatorKeyError({ role, reason: `${variable} is not 32 bytes of hex (it has ${key.length - 2} characters; the value is not shown)` })
  return key as Hex
}

/** Reads the operator key: VERIDICT_OPERATOR_KEY, else the keystore at `path` with the password in `passwordEnv`. */
export function loadOperatorKey(env: NodeJS.ProcessEnv, keystore: { path: string; passwordEnv: string } | undefined, role: 'operator' | 'deployer' = 'operator'): Hex {
  const raw = env.VERIDICT_OPERATOR_KEY
  if (raw !== undefined && raw !== '') return parsePrivateKey('VERIDICT_OPERATOR_KEY', raw, role)
  if (!keystore) throw new OperatorKeyError({ role, reason: 'neither VERIDICT_OPERATOR_KEY nor keystore.path is set' })
  const password = env[keystore.passwordEnv]
  if (password === undefined) throw new OperatorKeyError({ role, reason: `the keystore password variable ${keystore.passwordEnv} is not set` })
  let json: string
  try {
    json = readFileSync(keystore.path, 'utf8')
  } catch (cause) {
    throw new OperatorKeyError({ role, reason: `the keystore ${keystore.path} cannot be read`, cause })
  }
  return decryptKeystore(json, password, role)
}
