/**
 * Faults a node can be started with to exercise the protocol's defences: the dispute tests and the
 * devnet's demo liar use them. They are a parameter of `startNode`, never part of the node's
 * configuration: no config file, environment variable or flag of `veridict node start` reaches them.
 */
export type NodeFaults = {
  /**
   * Attested runs are wrong from the first stage on (signed, challenged with and defended), so its
   * results are disputed; such a node never proves, and as a watchtower it challenges with its lying
   * trace (a false challenger).
   */
  dishonest?: boolean | undefined
}
