/**
 * Every TypeScript snippet in the docs typechecks against the workspace's real packages.
 *
 * Each ```ts (or ```typescript) fenced block of docs/*.md, the root README and each package's
 * README is written as its own module under .cache/doc-snippets/ (inside the repository, so
 * `@veridict/sdk`, `viem` and the rest resolve as they do for the workspace's own code), and all of
 * them are typechecked in one TypeScript program with the root tsconfig's compiler options. A
 * snippet is a complete module: whatever context it needs (a deployment, a model id) it declares
 * itself, visibly (`declare const modelId: Hex`); nothing is prepended. A type error is reported as
 * `<doc>:<line of the opening fence>: ...`, with the doc line of the error.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const OUT_DIR = join(ROOT, '.cache', 'doc-snippets')

/** The documents whose snippets are checked, relative to the repository root. */
function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`)
  return [...docs, 'README.md', 'sdk/README.md', 'circuits/README.md', 'oracle/README.md', 'contracts/README.md']
}

type Snippet = { doc: string; fenceLine: number; code: string; file: string }

/** The ```ts / ```typescript blocks of a markdown text, with the 1-based line of each opening fence. */
function extractSnippets(doc: string, text: string): Omit<Snippet, 'file'>[] {
  const lines = text.split(/\r?\n/)
  const snippets: Omit<Snippet, 'file'>[] = []
  let open: { fence: string; indent: number; line: number; ts: boolean; body: string[] } | undefined
  lines.forEach((line, index) => {
    if (!open) {
      const start = /^( {0,3})(`{3,}|~{3,})\s*([\w-]*)/.exec(line)
      if (start) open = { fence: start[2]!, indent: start[1]!.length, line: index + 1, ts: /^(ts|typescript)$/i.test(start[3]!), body: [] }
      return
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)
    if (close && close[1]![0] === open.fence[0] && close[1]!.length >= open.fence.length) {
      if (open.ts) snippets.push({ doc, fenceLine: open.line, code: `${open.body.join('\n')}\n` })
      open = undefined
      return
    }
    // A fence indented by n spaces takes up to n spaces off each of its lines (CommonMark).
    open.body.push(line.replace(new RegExp(`^ {0,${open.indent}}`), ''))
  })
  return snippets
}

/** Writes every snippet and a tsconfig extending the root one; returns the snippets with their files. */
function writeSnippets(): Snippet[] {
  rmSync(OUT_DIR, { recursive: true, force: true })
  mkdirSync(OUT_DIR, { recursive: true })
  const snippets: Snippet[] = []
  for (const doc of documents()) {
    const stem = doc.replace(/\.md$/, '').replace(/[^\w]+/g, '-')
    extractSnippets(doc, readFileSync(join(ROOT, doc), 'utf8')).forEach((snippet, i) => {
      const file = join(OUT_DIR, `${stem}-${i + 1}.ts`)
      writeFileSync(file, snippet.code)
      snippets.push({ ...snippet, file })
    })
  }
  writeFileSync(
    join(OUT_DIR, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: '../../tsconfig.json',
        compilerOptions: {
          // Every snippet is a module of its own (top-level await, no shared globals), import or not.
          moduleDetection: 'force',
          // A snippet shows values for the reader to use: an unused one is not a mistake in a doc.
          noUnusedLocals: false,
          noUnusedParameters: false,
        },
        include: ['*.ts'],
      },
      null,
      2,
    )}\n`,
  )
  return snippets
}

/** Typechecks the written snippets in one program; returns one line per diagnostic, pointing at the docs. */
function typecheck(snippets: Snippet[]): string[] {
  const configPath = join(OUT_DIR, 'tsconfig.json')
  const configErrors: ts.Diagnostic[] = []
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d) })
  if (!parsed) return configErrors.map((d) => `tsconfig: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`)
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences })
  const byFile = new Map(snippets.map((s) => [resolve(s.file), s]))
  // Only the snippets' own diagnostics: the packages' sources they import are the root
  // typecheck's business, and checking only what the snippets use is much faster.
  const diagnostics = [
    ...parsed.errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...snippets.flatMap((s) => {
      const source = program.getSourceFile(s.file)
      if (!source) return [{ category: ts.DiagnosticCategory.Error, code: 0, file: undefined, start: undefined, length: undefined, messageText: `${s.doc}:${s.fenceLine}: not in the program` } satisfies ts.Diagnostic]
      return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]
    }),
  ]
  return diagnostics.map((d) => {
    const message = `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n    ')}`
    if (!d.file || d.start === undefined) return `(no file): ${message}`
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start)
    const snippet = byFile.get(resolve(d.file.fileName))
    if (!snippet) return `${relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1}: ${message}`
    return `${snippet.doc}:${snippet.fenceLine}: ${message} (at ${snippet.doc}:${snippet.fenceLine + line + 1}:${character + 1}; ${relative(ROOT, snippet.file)})`
  })
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens; repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  let fence: string | undefined
  for (const line of markdown.split(/\r?\n/)) {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1]
    if (marker && (!fence || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence ? undefined : marker
    const heading = fence ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    result.add(n === 0 ? slug : `${slug}-${n}`)
  }
  return result
}

/** Relative links of the docs that do not resolve to a file (and heading) inside the repository. */
function brokenLinks(): string[] {
  const broken: string[] = []
  for (const doc of documents()) {
    const text = readFileSync(join(ROOT, doc), 'utf8')
    const withoutCode = text.replace(/^( {0,3})(`{3,}|~{3,})[^\n]*\n[\s\S]*?^ {0,3}\2[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
    for (const [, target] of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue // https:, mailto:
      const [path, anchor] = target!.split('#') as [string, string | undefined]
      const file = path === '' ? join(ROOT, doc) : resolve(join(ROOT, doc, '..'), decodeURIComponent(path))
      if (relative(ROOT, file).startsWith('..')) broken.push(`${doc}: ${target} leaves the repository`)
      else if (!existsSync(file)) broken.push(`${doc}: ${target} does not exist`)
      else if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) broken.push(`${doc}: ${target} names no heading of ${relative(ROOT, file)}`)
    }
  }
  return broken
}

describe('the docs', () => {
  it('link only to files and headings inside the repository', () => {
    expect(brokenLinks()).toEqual([])
  })

  it('find fenced blocks and their lines', () => {
    const text = ['# t', '```ts', 'const a = 1', '```', '', '```sh', 'echo', '```', '  ```typescript', '  const b = 2', '  ```', '````ts', '```', '````'].join('\n')
    expect(extractSnippets('x.md', text)).toEqual([
      { doc: 'x.md', fenceLine: 2, code: 'const a = 1\n' },
      { doc: 'x.md', fenceLine: 9, code: 'const b = 2\n' },
      { doc: 'x.md', fenceLine: 12, code: '```\n' },
    ])
  })

  it('hold TypeScript snippets that all typecheck against the workspace', () => {
    const snippets = writeSnippets()
    // Never pass vacuously: the docs hold snippets, and each checked document is found.
    expect(snippets.length, 'no ```ts snippet found in the docs').toBeGreaterThan(0)
    const errors = typecheck(snippets)
    if (errors.length > 0) throw new Error(`${errors.length} type errors in the ${snippets.length} TypeScript snippets of the docs:\n${errors.join('\n')}`)
  })
})
