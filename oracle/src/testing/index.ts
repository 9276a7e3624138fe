/**
 * `@veridict/oracle/testing`: what the repository's cross-package tests use to run the protocol
 * (a deployed anvil chain, nodes in this process and their job store, the devnet and its explorer, a
 * flow's on-chain traffic, faults on the wire). Only in the repository (the `@veridict/source` condition); not
 * published.
 */
export { eventsOf, freePort, freePortPair, nodeConfig, nodePorts, REPO_ROOT, startTestChain, startTestNode, statusOf, waitFor, type TestChain } from './harness.js'
export { challengeAndPlay } from './playGame.js'
export { alive, descendants, exited, killGroup } from './processes.js'
export { TcpProxy } from './tcpProxy.js'
export { anvilPrivateKeys, startAnvil, type Anvil } from '../devnet/anvil.js'
export { DevnetNode } from '../devnet/devnetNode.js'
export { carriesWord, chainTrafficSince } from '../devnet/chainTraffic.js'
export { startModelHost } from '../devnet/modelHost.js'
export { referenceOutputWords } from '../devnet/referenceOutput.js'
export { runDemo, type DemoReport } from '../devnet/runDemo.js'
export { DEVNET_ACCOUNTS, startDevnet, type Devnet } from '../devnet/startDevnet.js'
export { signAttestationBatch, type Attestation } from '../attest/attestation.js'
export { signPeerRequest } from '../attest/peerAuth.js'
export { registerModel } from '../chain/registerModel.js'
export { RequestStatus } from '../chain/requestStatus.js'
export type { NodeConfigInput } from '../config/schema.js'
export { InsecureSetupError } from '../errors/node.js'
export { createExplorer } from '../explorer/createExplorer.js'
export { startExplorer, type RunningExplorer } from '../explorer/startExplorer.js'
export type { RunningNode } from '../node/startNode.js'
export { JobStore } from '../store/jobStore.js'
export { runSoak, type SoakReport } from '../soak/runSoak.js'
export { formatReport, formatSnapshot } from '../soak/formatSoak.js'
