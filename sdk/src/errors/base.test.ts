import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BaseError as ViemBaseError } from 'viem'
import { expect, test } from 'vitest'
import { version } from '../version.js'
import { BaseError } from './base.js'

test('the package version the errors carry is the package.json version', () => {
  const { version: packaged } = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
  expect(version).toBe(packaged)
  expect(new BaseError('x').version).toBe(`@veridict/sdk@${packaged}`)
})

test('walk finds a cause down the chain, viem errors included, as viem does', () => {
  const root = new Error('socket hang up')
  const viem = new ViemBaseError('HTTP request failed.', { cause: root })
  const ours = new BaseError('Reading the model failed.', { cause: viem, docsPath: 'docs/protocol.md', details: 'the RPC did not answer' })
  expect(ours.walk()).toBe(root)
  expect(ours.walk((e) => e instanceof ViemBaseError)).toBe(viem)
  expect(ours.walk((e) => e instanceof BaseError)).toBe(ours)
  expect(ours.walk((e) => e instanceof TypeError)).toBeNull()
  expect(new BaseError('alone').walk()).toBeInstanceOf(BaseError)
  expect(ours.docsPath).toBe('docs/protocol.md')
  expect(ours.shortMessage).toBe('Reading the model failed.')
  expect(ours.message).toBe('Reading the model failed.\n\nDetails: the RPC did not answer')
})
