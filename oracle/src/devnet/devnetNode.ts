import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { NodeConfigInput } from '../config/schema.js'
import { loadConfig } from '../config/loadConfig.js'
import type { RotatingLogFile } from '../log/rotatingLogFile.js'
import { createLogger, openLogFile } from '../logger.js'
import type { NodeFaults } from '../node/faults.js'
import { startNode, type RunningNode } from '../node/startNode.js'

export type DevnetNodeParameters = {
  /** Shown in the output and the log lines ("node-1"). */
  name: string
  operatorKey: Hex
  /** The node's settings; written to `<dataDir>/<name>.json`, the file `veridict node start --config` would read. */
  config: NodeConfigInput & { httpPort: number; peerHttpPort: number; dataDir: string }
  /** Folder for the config file and the node's JSON log (rotated by size as a node's logFile, with its defaults). */
  runDir: string
  /** The demo liar's faults (not in its config file: `veridict node start` cannot set them). */
  faults?: NodeFaults | undefined
}

/** One operator's node, running in this process; it can be stopped and started again (same port, same data folder). */
export class DevnetNode {
  readonly name: string
  readonly operator: Address
  readonly url: string
  /** The peer API, where the other operators' nodes send their signatures. */
  readonly peerUrl: string
  readonly configFile: string
  readonly logFile: string
  readonly config: DevnetNodeParameters['config']
  private readonly operatorKey: Hex
  private readonly faults: NodeFaults | undefined
  private running: RunningNode | undefined
  /** Kept across restarts: one writer, counting the file's bytes, for the life of this object. */
  private log: RotatingLogFile | undefined

  constructor({ name, operatorKey, config, runDir, faults }: DevnetNodeParameters) {
    this.name = name
    this.faults = faults
    this.operatorKey = operatorKey
    this.operator = privateKeyToAccount(operatorKey).address
    this.config = config
    this.url = `http://${config.httpHost ?? '127.0.0.1'}:${config.httpPort}`
    this.peerUrl = `http://${config.peerHttpHost ?? '127.0.0.1'}:${config.peerHttpPort}`
    this.configFile = join(runDir, `${name}.json`)
    this.logFile = join(runDir, `${name}.log`)
    writeFileSync(this.configFile, `${JSON.stringify(config, null, 2)}\n`)
  }

  get isRunning(): boolean {
    return this.running !== undefined
  }

  /** The running node (its job store, metrics and address), if started. */
  get node(): RunningNode['node'] | undefined {
    return this.running?.node
  }

  /** Starts the node from its config file; its JSON logs go to `logFile` (`.1`, `.2`, ... once rotated). */
  async start(): Promise<void> {
    if (this.running) return
    const { config, operatorKey, encryptionKey } = loadConfig({ file: this.configFile, env: { VERIDICT_OPERATOR_KEY: this.operatorKey } })
    this.log ??= openLogFile(this.logFile, config)
    const logger = createLogger(config.logLevel, { node: this.name }, this.log)
    this.running = await startNode({ config, operatorKey, encryptionKey, logger, faults: this.faults })
  }

  /** Stops the node and closes its log file (a line logged after that opens it again). */
  async stop(): Promise<void> {
    const running = this.running
    this.running = undefined
    await running?.stop()
    this.log?.close()
  }
}
