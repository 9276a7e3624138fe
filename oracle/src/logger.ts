import { pino, type DestinationStream, type Logger } from 'pino'
import type { ResolvedConfig } from './config/loadConfig.js'
import { RotatingLogFile } from './log/rotatingLogFile.js'

const MiB = 1024 * 1024

/** A node's log file at `path`, rotated at `logMaxMiB`, keeping `logFiles` rotated files. */
export function openLogFile(path: string, { logMaxMiB, logFiles }: Pick<ResolvedConfig, 'logMaxMiB' | 'logFiles'>): RotatingLogFile {
  return new RotatingLogFile({ path, maxBytes: logMaxMiB * MiB, files: logFiles })
}

/** Where a node's logs go: `logFile` (rotated), else stderr. */
export function logDestination(config: Pick<ResolvedConfig, 'logFile' | 'logMaxMiB' | 'logFiles'>): DestinationStream {
  return config.logFile === undefined ? pino.destination(2) : openLogFile(config.logFile, config)
}

/** Structured JSON logs (on stderr unless given a destination); the operator and encryption keys never go through here (they are not part of the config object). */
export function createLogger(level: string, bindings: Record<string, unknown> = {}, destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { service: 'veridict-node', ...bindings }, redact: ['operatorKey', '*.operatorKey', 'encryptionKey', '*.encryptionKey', 'password'] }, destination)
}
