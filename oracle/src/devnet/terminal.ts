/**
 * The devnet's terminal output: sections, aligned tables, check marks and a live progress line for
 * long steps. Colors and the live line only on a TTY (and not with NO_COLOR); piped output gets
 * plain lines, one per step and per new progress message.
 */
import { performance } from 'node:perf_hooks'

export type StepProgress = (message: string, fraction?: number) => void

/** What the devnet and the demo report through; `silentReporter` for tests. */
export type Reporter = {
  /** Runs a long step, showing `label`, its progress messages and its duration; returns its value. */
  step<T>(label: string, run: (progress: StepProgress) => Promise<T>, done?: (value: T) => string): Promise<T>
  section(title: string): void
  ok(message: string): void
  info(message: string): void
  warn(message: string): void
  fail(message: string): void
  table(rows: readonly (readonly string[])[], options?: { header?: boolean }): void
  line(text?: string): void
}

export const silentReporter: Reporter = {
  step: async (_label, run) => run(() => {}),
  section: () => {},
  ok: () => {},
  info: () => {},
  warn: () => {},
  fail: () => {},
  table: () => {},
  line: () => {},
}

type Style = (text: string) => string

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
// Matches SGR escape sequences so widths count visible characters only.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

export const visibleWidth = (text: string): number => [...text.replace(ANSI, '')].length

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`
}

/** Pads every column of `rows` to its widest cell (by visible width); the last column is not padded. */
export function formatTable(rows: readonly (readonly string[])[], indent = '  ', gap = '  '): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))))
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell)))).join(gap).trimEnd())
}

export function createTerminalReporter(stream: NodeJS.WriteStream = process.stdout): Reporter {
  const live = stream.isTTY === true && !process.env.CI
  const color = live && !('NO_COLOR' in process.env)
  const sgr = (code: string): Style => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)
  const green = sgr('32')
  const yellow = sgr('33')
  const red = sgr('31')
  const dim = sgr('2')
  const bold = sgr('1')
  const cyan = sgr('36')
  const write = (text: string) => stream.write(`${text}\n`)
  let liveLine = false
  const clearLive = () => {
    if (liveLine) stream.write('\r\x1b[2K')
    liveLine = false
  }

  return {
    async step(label, run, done) {
      const started = performance.now()
      let message = ''
      let fraction: number | undefined
      let frame = 0
      const render = () => {
        const percent = fraction === undefined ? '' : ` ${Math.round(fraction * 100)}%`
        const detail = message ? dim(` ${message}${percent}`) : percent
        const line = `  ${cyan(SPINNER[frame++ % SPINNER.length]!)} ${label}${detail} ${dim(formatSeconds(performance.now() - started))}`
        const columns = stream.columns ?? 120
        stream.write(`\r\x1b[2K${visibleWidth(line) > columns - 1 ? line.slice(0, columns - 1) : line}`)
        liveLine = true
      }
      const timer = live ? setInterval(render, 100) : undefined
      if (live) render()
      let announced = false
      const progress: StepProgress = (next, nextFraction) => {
        if (!live && next !== message) {
          if (!announced) write(`  … ${label}`)
          announced = true
          write(dim(`    · ${next}`))
        }
        message = next
        fraction = nextFraction
      }
      try {
        const value = await run(progress)
        clearInterval(timer)
        clearLive()
        const summary = done ? done(value) : label
        write(`  ${green('✔')} ${summary} ${dim(formatSeconds(performance.now() - started))}`)
        return value
      } catch (error) {
        clearInterval(timer)
        clearLive()
        write(`  ${red('✖')} ${label} ${dim(formatSeconds(performance.now() - started))}`)
        throw error
      }
    },
    section(title) {
      clearLive()
      write('')
      write(bold(`▸ ${title}`))
    },
    ok: (message) => (clearLive(), write(`  ${green('✔')} ${message}`)),
    info: (message) => (clearLive(), write(`    ${message}`)),
    warn: (message) => (clearLive(), write(`  ${yellow('⚠')} ${yellow(message)}`)),
    fail: (message) => (clearLive(), write(`  ${red('✖')} ${red(message)}`)),
    table(rows, options = {}) {
      clearLive()
      const lines = formatTable(rows, '    ')
      lines.forEach((line, i) => write(options.header && i === 0 ? dim(line) : line))
    },
    line: (text = '') => (clearLive(), write(text)),
  }
}
