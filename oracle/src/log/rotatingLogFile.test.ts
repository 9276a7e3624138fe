import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, test } from 'vitest'
import { RotatingLogFile } from './rotatingLogFile.js'

const run = promisify(execFile)
const freshPath = () => join(mkdtempSync(join(tmpdir(), 'veridict-log-')), 'logs', 'node.log')
/** Log-like lines of varying length: `{"n":7,"pad":"xxxxxxx"}\n`. */
const line = (n: number) => `${JSON.stringify({ n, pad: 'x'.repeat((n * 7) % 41) })}\n`
/** The files of a log, oldest first (`.3`, `.2`, `.1`, then the current one). */
const filesOf = (path: string) => {
  const rotated = readdirSync(join(path, '..'))
    .map((name) => /^node\.log\.(\d+)$/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => b - a)
  return [...rotated.map((n) => `${path}.${n}`), ...(existsSync(path) ? [path] : [])]
}
const numbersIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((text) => (JSON.parse(text) as { n: number }).n)

describe('RotatingLogFile', () => {
  test('rotates at the bound: at most files + 1 files, each within the bound, each full, lines never split', () => {
    const path = freshPath()
    const log = new RotatingLogFile({ path, maxBytes: 1000, files: 3 })
    for (let n = 0; n < 600; n++) log.write(line(n))
    const files = filesOf(path)
    expect(files.map((f) => f.slice(path.length))).toEqual(['.3', '.2', '.1', ''])
    for (const [i, file] of files.entries()) {
      const text = readFileSync(file, 'utf8')
      expect(statSync(file).size).toBeLessThanOrEqual(1000)
      expect(text.endsWith('\n')).toBe(true)
      for (const l of text.split('\n').filter(Boolean)) expect(() => JSON.parse(l) as unknown).not.toThrow()
      // A rotated file was full: the next file's first line would have taken it past the bound.
      const next = files[i + 1]
      if (next) expect(statSync(file).size + Buffer.byteLength(`${readFileSync(next, 'utf8').split('\n')[0]}\n`)).toBeGreaterThan(1000)
    }
    expect(log.bytes).toBe(statSync(path).size)
  })

  test('keeps every line written exactly once, in order, until the oldest file is dropped', () => {
    const path = freshPath()
    const log = new RotatingLogFile({ path, maxBytes: 700, files: 2 })
    let dropped = false
    for (let n = 0; n < 300; n++) {
      log.write(line(n))
      const files = filesOf(path)
      const seen = files.flatMap(numbersIn)
      const first = seen[0]!
      expect(seen).toEqual(Array.from({ length: n - first + 1 }, (_, i) => first + i))
      if (first > 0) expect(files).toHaveLength(3)
      dropped ||= first > 0
    }
    expect(dropped).toBe(true)
  })

  test('a reopened file is appended to, counted from its size', () => {
    const path = freshPath()
    const before = new RotatingLogFile({ path, maxBytes: 1000, files: 2 })
    let n = 0
    while (before.bytes < 600) before.write(line(n++))
    before.close()
    const size = statSync(path).size
    const after = new RotatingLogFile({ path, maxBytes: 1000, files: 2 })
    expect(after.bytes).toBe(size)
    const firstAfter = n
    while (!existsSync(`${path}.1`)) after.write(line(n++))
    // The file the restart appended to was rotated when the next line would have passed 1000 bytes, not 1000 bytes after the restart.
    const rotated = numbersIn(`${path}.1`)
    expect(rotated).toEqual(Array.from({ length: n - 1 }, (_, i) => i))
    expect(rotated).toContain(firstAfter)
    expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000)
    expect(statSync(`${path}.1`).size + Buffer.byteLength(line(n - 1))).toBeGreaterThan(1000)
    expect(numbersIn(path)).toEqual([n - 1])
  })

  test('a write after close opens the file again and appends', () => {
    const path = freshPath()
    const log = new RotatingLogFile({ path, maxBytes: 1000, files: 1 })
    log.write(line(0))
    log.close()
    log.write(line(1))
    expect(numbersIn(path)).toEqual([0, 1])
  })

  test('with files: 0 a full file is deleted; a line longer than the bound gets a file of its own', () => {
    const path = freshPath()
    const log = new RotatingLogFile({ path, maxBytes: 100, files: 0 })
    log.write(line(0))
    log.write(line(1))
    log.write(line(2))
    expect(filesOf(path)).toEqual([path])
    const long = `${JSON.stringify({ n: 3, pad: 'y'.repeat(300) })}\n`
    log.write(long)
    expect(readFileSync(path, 'utf8')).toBe(long)
    log.write(line(4))
    expect(numbersIn(path)).toEqual([4])
  })

  test('a lower files setting drops the rotated files past it at the next rotation', () => {
    const path = freshPath()
    const wide = new RotatingLogFile({ path, maxBytes: 200, files: 5 })
    for (let n = 0; n < 100; n++) wide.write(line(n))
    wide.close()
    expect(filesOf(path)).toHaveLength(6)
    const narrow = new RotatingLogFile({ path, maxBytes: 200, files: 2 })
    while (narrow.bytes + Buffer.byteLength(line(100)) <= 200) narrow.write(line(100))
    narrow.write(line(101))
    expect(filesOf(path).map((f) => f.slice(path.length))).toEqual(['.2', '.1', ''])
  })

  test('refuses a path it cannot open, naming it and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veridict-log-'))
    writeFileSync(join(dir, 'file'), '')
    expect(() => new RotatingLogFile({ path: dir, maxBytes: 1000, files: 1 })).toThrowError(`Cannot open the log file ${dir}: EISDIR: illegal operation on a directory, open '${dir}'.\n\nDetails: Point logFile at a file in a folder the node's user can create and write, or leave logFile unset to log to stderr.`)
    expect(() => new RotatingLogFile({ path: join(dir, 'file', 'node.log'), maxBytes: 1000, files: 1 })).toThrowError(`Cannot open the log file ${join(dir, 'file', 'node.log')}: EEXIST: file already exists, mkdir '${join(dir, 'file')}'.`)
  })

  // In child processes: a process killed outright, and a device that is always full.
  const child = (script: string) => run(process.execPath, ['--conditions=@veridict/source', '--import', 'tsx', '--input-type=module', '-e', `const { RotatingLogFile } = await import(${JSON.stringify(join(import.meta.dirname, 'rotatingLogFile.ts'))});\n${script}`])

  test('a line is in the file when write returns: a process killed at once loses none', async () => {
    const path = freshPath()
    const killed = await child(`const log = new RotatingLogFile({ path: ${JSON.stringify(path)}, maxBytes: 4000, files: 2 }); for (let n = 0; n < 1000; n++) log.write(JSON.stringify({ n }) + '\\n'); process.kill(process.pid, 'SIGKILL')`).catch((error: { signal: string }) => error)
    expect(killed).toMatchObject({ signal: 'SIGKILL' })
    expect(filesOf(path)).toHaveLength(3)
    expect(filesOf(path).flatMap(numbersIn)).toEqual(Array.from({ length: 1000 }, (_, n) => n))
  }, 60_000)

  test.skipIf(!existsSync('/dev/full'))('a line the file cannot take goes to stderr, after one line saying why', async () => {
    const { stderr } = await child(`const log = new RotatingLogFile({ path: '/dev/full', maxBytes: 4000, files: 2 }); for (let n = 0; n < 3; n++) log.write(JSON.stringify({ n }) + '\\n')`)
    const lines = stderr.split('\n').filter(Boolean)
    expect(lines).toHaveLength(4)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, msg: expect.stringMatching(/^cannot write the log file \/dev\/full \(ENOSPC: .*\): its lines go to stderr until it can be written again$/) as unknown })
    expect(lines.slice(1)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}'])
  }, 60_000)
})
