import type { Context } from 'hono'
import type { z } from 'zod'
import { RequestValidationError } from '../errors/http.js'

const describe = (error: z.ZodError) => error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`)

/** Parses the JSON body against `schema`; a body that is not JSON or does not match is a 400 naming each problem. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new RequestValidationError({ problems: ['the body is not valid JSON (send Content-Type: application/json)'] })
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) throw new RequestValidationError({ problems: describe(parsed.error) })
  return parsed.data
}

/** Validates path or query parameters. */
export function params<S extends z.ZodType>(values: unknown, schema: S): z.output<S> {
  const parsed = schema.safeParse(values)
  if (!parsed.success) throw new RequestValidationError({ problems: describe(parsed.error) })
  return parsed.data
}
