#!/usr/bin/env node
// The `veridict` command: one node process (no npx, npm or shell in between), so a signal sent to it
// (a supervisor's SIGTERM, Ctrl-C, a container stopping its PID 1) reaches the code that stops the
// node cleanly. The TypeScript sources run through tsx's loader, registered in this process.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
