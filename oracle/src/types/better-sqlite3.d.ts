// The subset of better-sqlite3's API the node uses (the package ships no types and
// @types/better-sqlite3 is not a dependency of the workspace).
declare module 'better-sqlite3' {
  namespace Database {
    interface RunResult {
      changes: number
      lastInsertRowid: number | bigint
    }
    interface Statement {
      run(...params: unknown[]): RunResult
      get(...params: unknown[]): unknown
      all(...params: unknown[]): unknown[]
    }
    interface Database {
      readonly open: boolean
      prepare(sql: string): Statement
      exec(sql: string): this
      pragma(source: string, options?: { simple?: boolean }): unknown
      transaction<F extends (...args: never[]) => unknown>(fn: F): F
      close(): this
    }
  }
  const Database: {
    new (filename: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }): Database.Database
  }
  export = Database
}
