import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { z } from 'zod'
import { RequestValidationError } from '../errors/http.js'

/** JSON with bigints as decimal strings (wei, words, ids), which JSON.stringify refuses. */
export function jsonResponse(c: Context, value: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), status, { 'content-type': 'application/json; charset=utf-8' })
}

/** Validates path or query parameters; each problem is named in a 400. */
export function parseParams<S extends z.ZodType>(values: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(values)
  if (!parsed.success) throw new RequestValidationError({ problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'parameters'}: ${i.message}`) })
  return parsed.data
}
