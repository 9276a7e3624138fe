import { readFileSync } from 'node:fs'

/**
 * The @veridict/oracle package's version. Read from its package.json, one folder up both from
 * src/ (this file, in a checkout) and from dist/ (the bundle an installed package runs).
 */
export const version: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
