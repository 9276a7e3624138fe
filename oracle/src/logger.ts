import { pino, type Logger } from 'pino'

/** Structured JSON logs on stderr; the operator and encryption keys never go through here (they are not part of the config object). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'veridict-node', ...bindings }, redact: ['operatorKey', '*.operatorKey', 'encryptionKey', '*.encryptionKey', 'password'] }, pino.destination(2))
}
