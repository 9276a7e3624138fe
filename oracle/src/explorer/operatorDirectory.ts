import { getAddress, isAddress, type Address } from 'viem'
import { operatorStakingAbi } from '@veridict/sdk'
import type { ExplorerConnection } from './connectExplorer.js'
import type { EventIndex } from './eventIndex.js'

/** What the explorer has seen of one node's /health since it started. */
export type NodeHealth = {
  url: string
  /** The operator the node says it runs as (its /health `operator`). */
  operator: Address | undefined
  /** 'ok', 'degraded' (it answered 503), or 'down' (no answer). */
  state: 'ok' | 'degraded' | 'down' | 'unknown'
  checks: number
  up: number
  lastCheckedAt: number | undefined
  lastError: string | undefined
  chainHead: number | undefined
}

export type OperatorDirectoryOptions = {
  /** The operators' node URLs: the contracts hold no URL of a node, so they come from whoever runs the explorer. */
  nodeUrls?: readonly string[] | undefined
  healthIntervalMs?: number | undefined
  healthTimeoutMs?: number | undefined
}

/**
 * The operators: their stake from OperatorStaking, their activity from the event index, and the
 * health of the nodes the explorer was told about, checked every few seconds while it runs
 * (uptime is the share of those checks that found the node healthy).
 */
export class OperatorDirectory {
  readonly nodes: NodeHealth[]
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private readonly healthIntervalMs: number
  private readonly healthTimeoutMs: number

  constructor(
    private readonly connection: ExplorerConnection,
    private readonly index: EventIndex,
    options: OperatorDirectoryOptions = {},
  ) {
    this.nodes = (options.nodeUrls ?? []).map((url) => ({ url: url.replace(/\/+$/, ''), operator: undefined, state: 'unknown', checks: 0, up: 0, lastCheckedAt: undefined, lastError: undefined, chainHead: undefined }))
    this.healthIntervalMs = options.healthIntervalMs ?? 5_000
    this.healthTimeoutMs = options.healthTimeoutMs ?? 2_000
  }

  /** Starts checking the nodes' health (at once, then every interval). */
  start(): void {
    if (this.timer || !this.nodes.length) return
    void this.pollHealth()
    this.timer = setInterval(() => void this.pollHealth(), this.healthIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Checks every node's /health once (concurrent callers share the check). */
  pollHealth(): Promise<void> {
    this.polling ??= Promise.all(this.nodes.map((node) => this.check(node))).then(
      () => {
        this.polling = undefined
      },
      () => {
        this.polling = undefined
      },
    )
    return this.polling
  }

  /** Every registered operator with its stake, locks, activity and node health; then nodes of no registered operator. */
  async list() {
    // A first page waits for the first check rather than showing every node as unknown.
    if (this.nodes.some((n) => n.state === 'unknown')) await this.pollHealth()
    const { publicClient, deployment } = this.connection
    const accounts = [...this.index.operators.values()].sort((a, b) => a.index - b.index)
    const onChain = await Promise.all(
      accounts.map(async (activity) => {
        const [operator, active] = await Promise.all([
          publicClient.readContract({ address: deployment.staking, abi: operatorStakingAbi, functionName: 'getOperator', args: [activity.account] }),
          publicClient.readContract({ address: deployment.staking, abi: operatorStakingAbi, functionName: 'isActive', args: [activity.account] }),
        ])
        const node = this.nodes.find((n) => n.operator === activity.account)
        return {
          account: activity.account,
          index: activity.index,
          active,
          stake: operator.stake,
          locked: operator.locked,
          unbonding: operator.unbonding,
          rewards: operator.rewards,
          slashed: operator.slashed,
          attestations: activity.attestations,
          proofs: activity.proofs,
          slashes: activity.slashes,
          rewardsCredited: activity.rewardsCredited,
          node: node && healthView(node),
        }
      }),
    )
    const known = new Set(accounts.map((a) => a.account))
    const unmatched = this.nodes.filter((n) => !n.operator || !known.has(n.operator)).map(healthView)
    return { operators: onChain, unmatchedNodes: unmatched }
  }

  private async check(node: NodeHealth): Promise<void> {
    node.checks++
    node.lastCheckedAt = Date.now()
    try {
      const response = await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(this.healthTimeoutMs) })
      const body = (await response.json().catch(() => ({}))) as { status?: string; operator?: string; chain?: { head?: number } }
      if (body.operator && isAddress(body.operator)) node.operator = getAddress(body.operator)
      node.chainHead = body.chain?.head
      node.state = response.ok && body.status === 'ok' ? 'ok' : 'degraded'
      node.lastError = node.state === 'ok' ? undefined : `it answered ${response.status}${body.status ? ` (${body.status})` : ''}`
      if (node.state === 'ok') node.up++
    } catch (error) {
      node.state = 'down'
      node.lastError = (error as Error).name === 'TimeoutError' ? `no answer within ${this.healthTimeoutMs} ms` : `unreachable (${(error as Error).message})`
    }
  }
}

function healthView(node: NodeHealth) {
  return { ...node, uptime: node.checks ? node.up / node.checks : undefined }
}
