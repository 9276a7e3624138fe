/**
 * `@veridict/oracle/testing`: what the repository's cross-package tests use to run the protocol
 * (a deployed anvil chain, nodes in this process, a flow's on-chain traffic). Only in the repository
 * (the `@veridict/source` condition); not published.
 */
export { eventsOf, freePort, freePortPair, nodeConfig, nodePorts, REPO_ROOT, startTestChain, startTestNode, statusOf, waitFor, type TestChain } from './harness.js'
export { anvilPrivateKeys } from '../devnet/anvil.js'
export { carriesWord, chainTrafficSince } from '../devnet/chainTraffic.js'
export { RequestStatus } from '../chain/requestStatus.js'
export type { RunningNode } from '../node/startNode.js'
