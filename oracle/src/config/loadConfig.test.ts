import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { BABYJUB_SUBGROUP_ORDER, deriveEncryptionKey } from './encryptionKey.js'
import { decryptKeystore } from './keystore.js'
import { loadConfig } from './loadConfig.js'

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
const base = { rpcUrl: 'http://127.0.0.1:8545', chainId: 31337, oracle: '0x5FbDB2315678afecb367f032d93F642f64180aa3', modelsDir: 'models', dataDir: 'data' }

describe('loadConfig', () => {
  test('merges file, environment and flags (flags win) and keeps the key out of the config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veridict-config-'))
    const file = join(dir, 'node.json')
    writeFileSync(file, JSON.stringify({ ...base, httpPort: 1000, confirmations: 3 }))
    const { config, operatorKey } = loadConfig({ file, env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_HTTP_PORT: '2000', VERIDICT_MODES: 'attested' }, flags: { httpPort: 3000 } })
    expect(config.httpPort).toBe(3000)
    expect(config.confirmations).toBe(3)
    expect(config.modes).toEqual(['attested'])
    expect(config.modelsDir).toBe(join(dir, 'models'))
    expect(operatorKey).toBe(key)
    expect(JSON.stringify(config, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(key.slice(2))
  })

  test('lists every invalid value with its path', () => {
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, rpcUrl: 'nope', chainId: -1, executionProvider: 'tpu' } })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid node configuration (environment and flags).

      - rpcUrl: must be an http(s) or ws(s) URL of an Ethereum JSON-RPC endpoint
      - chainId: Too small: expected number to be >0
      - executionProvider: Invalid option: expected one of "auto"|"cuda"|"cpu"

      Details: Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.]
    `)
  })

  test('has no test-only settings: a dishonest node cannot be configured', () => {
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, dishonest: true } })).toThrowError(/Unrecognized key: "dishonest"/)
    expect(loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_DISHONEST: 'true' }, flags: base }).config).not.toHaveProperty('dishonest')
  })

  test('jobRetentionHours: 168 by default, whole hours from the file or VERIDICT_JOB_RETENTION_HOURS, 0 for forever', () => {
    const retention = (env: Record<string, string>, flags: Record<string, unknown> = {}) => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, ...env }, flags: { ...base, ...flags } }).config.jobRetentionHours
    expect(retention({})).toBe(168)
    expect(retention({ VERIDICT_JOB_RETENTION_HOURS: '24' })).toBe(24)
    expect(retention({ VERIDICT_JOB_RETENTION_HOURS: '0' })).toBe(0)
    expect(retention({}, { jobRetentionHours: 720 })).toBe(720)
  })

  test('jobRetentionHours: refuses anything but a whole number of hours, naming the value', () => {
    const attempt = (value: unknown) => () => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, jobRetentionHours: value } })
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_JOB_RETENTION_HOURS: '7d' }, flags: base })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid node configuration (environment and flags).

      - jobRetentionHours: must be a whole number of hours (168 keeps final jobs a week, 0 keeps them forever) from 0 to 876000 (got "7d")

      Details: Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.]
    `)
    expect(attempt(-1)).toThrowError('jobRetentionHours: must be a whole number of hours (168 keeps final jobs a week, 0 keeps them forever) from 0 to 876000 (got -1)')
    expect(attempt(1.5)).toThrowError(/jobRetentionHours: .* \(got 1\.5\)$/m)
    expect(attempt('1.5')).toThrowError(/jobRetentionHours: .* \(got "1\.5"\)$/m)
    expect(attempt(true)).toThrowError(/jobRetentionHours: .* \(got true\)$/m)
  })

  test('rejects a malformed key without printing it', () => {
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: '0xdeadbeef' }, flags: base })).toThrowError(/not 32 bytes of hex \(it has 8 characters/)
  })
})

describe('log settings', () => {
  test('default to stderr, 64 MiB and 5 files; come from VERIDICT_LOG_FILE, VERIDICT_LOG_MAX_MIB and VERIDICT_LOG_FILES; a relative logFile is the config file\'s', () => {
    expect(loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: base }).config).toMatchObject({ logFile: undefined, logMaxMiB: 64, logFiles: 5 })
    const fromEnv = loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_LOG_FILE: '/var/log/veridict/node.log', VERIDICT_LOG_MAX_MIB: '16', VERIDICT_LOG_FILES: '0' }, flags: base }).config
    expect(fromEnv).toMatchObject({ logFile: '/var/log/veridict/node.log', logMaxMiB: 16, logFiles: 0 })
    const dir = mkdtempSync(join(tmpdir(), 'veridict-config-'))
    const file = join(dir, 'node.json')
    writeFileSync(file, JSON.stringify({ ...base, logFile: 'logs/node.log', logMaxMiB: 8, logFiles: 2 }))
    expect(loadConfig({ file, env: { VERIDICT_OPERATOR_KEY: key } }).config).toMatchObject({ logFile: join(dir, 'logs/node.log'), logMaxMiB: 8, logFiles: 2 })
  })

  test('a MiB setting\'s variable spells the unit as one word', () => {
    expect(loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_PROVER_MAX_RSS_MIB: '2048' }, flags: base }).config.proverMaxRssMiB).toBe(2048)
  })

  test('refuses a size or a count that is not a whole number in range, showing the value given', () => {
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_LOG_MAX_MIB: '0.5', VERIDICT_LOG_FILES: 'five' }, flags: base })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid node configuration (environment and flags).

      - logMaxMiB: must be a whole number of MiB from 1 to 1048576 (got "0.5")
      - logFiles: must be a whole number from 0 to 100 (got "five")

      Details: Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.]
    `)
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, logFile: '', logMaxMiB: 0, logFiles: 101 } })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid node configuration (environment and flags).

      - logFile: must be a file path, not empty, or unset to log to stderr
      - logMaxMiB: must be a whole number of MiB from 1 to 1048576 (got 0)
      - logFiles: must be a whole number from 0 to 100 (got 101)

      Details: Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.]
    `)
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, logFile: 7, logMaxMiB: true, logFiles: -1 } })).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: Invalid node configuration (environment and flags).

      - logFile: must be a file path (a string), or unset to log to stderr
      - logMaxMiB: must be a whole number of MiB from 1 to 1048576 (got true)
      - logFiles: must be a whole number from 0 to 100 (got -1)

      Details: Fix the values above in the config file, the VERIDICT_* environment variables or the command-line flags.]
    `)
  })
})

describe('encryptionKey', () => {
  const secret = 0x2a5f_0000_1111_2222_3333_4444_5555_6666_7777n

  test('is read from VERIDICT_ENCRYPTION_KEY (decimal or 0x hex) and kept out of the config', () => {
    for (const text of [String(secret), `0x${secret.toString(16)}`]) {
      const { config, encryptionKey } = loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_ENCRYPTION_KEY: text }, flags: base })
      expect(encryptionKey).toBe(secret)
      expect(config).not.toHaveProperty('encryptionKey')
      expect(JSON.stringify(config, (_, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(String(secret))
    }
    expect(loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: base }).encryptionKey).toBeUndefined()
  })

  test('refuses a value that is not a Baby Jubjub secret scalar, naming the problem without printing the value', () => {
    const attempt = (value: string) => () => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key, VERIDICT_ENCRYPTION_KEY: value }, flags: base })
    expect(attempt('12345abc')).toThrowErrorMatchingInlineSnapshot(`
      [EncryptionKeyError: Invalid encryptionKey: it is not a decimal or 0x-hex whole number (8 characters; the value is not shown).

      Details: Set VERIDICT_ENCRYPTION_KEY to a whole number from 1 to the Baby Jubjub subgroup order minus 1 (decimal or 0x hex; generateEncryptionKey() from @veridict/sdk/private makes one), or leave it unset: the node then derives its key from the operator key.]
    `)
    expect(attempt('0')).toThrowError(/Invalid encryptionKey: it is 0\./)
    const tooLarge = String(BABYJUB_SUBGROUP_ORDER + 99n)
    expect(attempt(tooLarge)).toThrowError(/not below the Baby Jubjub subgroup order/)
    expect(attempt(tooLarge)).not.toThrowError(tooLarge)
    expect(() => loadConfig({ env: { VERIDICT_OPERATOR_KEY: key }, flags: { ...base, encryptionKey: 12345 } })).toThrowError(/encryptionKey: must be a string/)
  })

  test('defaults to a key derived from the operator key: the same for the same key, another for another, never 0, below the subgroup order', async () => {
    const { buildBabyjub } = await import('circomlibjs')
    expect(BABYJUB_SUBGROUP_ORDER).toBe((await buildBabyjub()).subOrder)
    const derived = deriveEncryptionKey(key)
    expect(deriveEncryptionKey(key)).toBe(derived)
    expect(deriveEncryptionKey(`0x${'11'.repeat(32)}`)).not.toBe(derived)
    expect(derived > 0n && derived < BABYJUB_SUBGROUP_ORDER).toBe(true)
    // Not the signing key's bytes themselves.
    expect(derived).not.toBe(BigInt(key) % BABYJUB_SUBGROUP_ORDER)
  })
})

describe('decryptKeystore', () => {
  // A scrypt keystore of the key above with password "testpassword" (n = 2^12 to keep the test fast).
  test('decrypts a scrypt keystore and rejects a wrong password', async () => {
    const { scryptSync, createCipheriv, randomBytes } = await import('node:crypto')
    const { keccak256, bytesToHex } = await import('viem')
    const salt = randomBytes(32)
    const iv = randomBytes(16)
    const derived = scryptSync('testpassword', salt, 32, { N: 4096, r: 8, p: 1 })
    const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv)
    const ciphertext = Buffer.concat([cipher.update(Buffer.from(key.slice(2), 'hex')), cipher.final()])
    const mac = keccak256(new Uint8Array([...derived.subarray(16, 32), ...ciphertext])).slice(2)
    const json = JSON.stringify({
      version: 3,
      crypto: { cipher: 'aes-128-ctr', ciphertext: ciphertext.toString('hex'), cipherparams: { iv: iv.toString('hex') }, kdf: 'scrypt', kdfparams: { dklen: 32, n: 4096, r: 8, p: 1, salt: bytesToHex(salt).slice(2) }, mac },
    })
    expect(decryptKeystore(json, 'testpassword')).toBe(key)
    expect(() => decryptKeystore(json, 'wrong')).toThrowError(/wrong keystore password/)
  })
})
