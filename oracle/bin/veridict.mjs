#!/usr/bin/env node
// The `veridict` command: one node process (no npx, npm or shell in between), so a signal sent to it
// (a supervisor's SIGTERM, Ctrl-C, a container stopping its PID 1) reaches the code that stops the
// node cleanly.
//
// Installed from npm it runs the compiled dist/cli.js. In a checkout of the repository (src/ is
// there: the package does not ship it) it runs the TypeScript sources through tsx's loader,
// registered in this process, and resolves the workspace's packages to their sources as well (the
// `@veridict/source` condition of their exports), so a change is live without a build.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const source = new URL('../src/cli.ts', import.meta.url)
if (existsSync(source)) {
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  const addSourceCondition = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, '@veridict/source'] })
  }`
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`)
  await import(source.href)
} else {
  await import('../dist/cli.js')
}
