/** InferenceOracle's Status enum (IInferenceOracle.sol). */
export const RequestStatus = { None: 0, Requested: 1, Attested: 2, Fulfilled: 3, Finalized: 4, Refunded: 5 } as const
export type RequestStatus = (typeof RequestStatus)[keyof typeof RequestStatus]

/** InferenceOracle's Mode enum. */
export const RequestMode = { ZK: 0, ATTESTED: 1 } as const
