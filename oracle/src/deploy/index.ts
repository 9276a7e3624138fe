/**
 * `@veridict/oracle/deploy`: deploying the protocol from a checkout of the repository (it needs
 * forge's artifacts). Only in the repository (the `@veridict/source` condition); not published.
 */
export { ARTIFACTS_DIR, ContractArtifactError, REPO_ROOT, artifactPath, buildContracts, readArtifact, readArtifacts, type ForgeArtifact } from './artifacts.js'
export { ANVIL_CHAIN_ID, ANVIL_DEFAULT_KEY, DeploymentError, deployVeridict, writeDeployment, type Deployment, type DeployVeridictParameters } from './deploy.js'
