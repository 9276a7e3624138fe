import { pino, type Logger } from 'pino'

/** Structured JSON logs on stderr; the operator key never goes through here (it is not part of the config object). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'veridict-node', ...bindings }, redact: ['operatorKey', '*.operatorKey', 'password'] }, pino.destination(2))
}
