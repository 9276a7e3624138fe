// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title InferenceConsumer
/// @notice Base for contracts that request inferences and act on the results. Only the oracle may
///         call the hook, and only for requests this contract made: anyone can name any contract as
///         a request's callback, so a result for a request made elsewhere is refused. Each result
///         is acted on once; if the oracle's callback failed (too little gas, a revert), anyone can
///         hand the final output words in again with deliverResult.
abstract contract InferenceConsumer is IInferenceConsumer {
    /// @notice What a consumer demands of a proved model's setup before acting on its results.
    /// @param minContributions Least Groth16 phase-2 contributions (one honest contributor makes it sound).
    /// @param allowUnlistedCeremony Accept a powers of tau that is not a public ceremony file the registry lists.
    /// @param allowInsecure Accept a single-party dev setup (local development only).
    struct SetupRequirement {
        uint16 minContributions;
        bool allowUnlistedCeremony;
        bool allowInsecure;
    }

    error CallerNotOracle(address caller);
    error UnknownRequest(uint256 requestId);
    error OutputHashMismatch(uint256 requestId, bytes32 expected, bytes32 received);
    /// @notice The model's setup record does not meet the consumer's requirement.
    error UntrustedModelSetup(bytes32 modelId, bytes32 ptauHash, uint16 contributions, bool insecure, bool listedCeremony);

    /// @notice The oracle this consumer requests from.
    IInferenceOracle public immutable ORACLE;

    mapping(uint256 requestId => bool) private _pending;

    constructor(IInferenceOracle oracle) {
        ORACLE = oracle;
    }

    /// @notice Called by the oracle with the final output of a request this contract made.
    function onInferenceResult(uint256 requestId, uint256[] calldata outputWords) external {
        if (msg.sender != address(ORACLE)) revert CallerNotOracle(msg.sender);
        if (!_pending[requestId]) revert UnknownRequest(requestId);
        delete _pending[requestId];
        _onInferenceResult(requestId, outputWords);
    }

    /// @notice Acts on the final result of one of this contract's requests whose callback failed.
    ///         Anyone may call: the words must hash to the output hash the oracle keeps.
    function deliverResult(uint256 requestId, uint256[] calldata outputWords) external {
        if (!_pending[requestId]) revert UnknownRequest(requestId);
        (, bytes32 outputHash) = ORACLE.getResult(requestId);
        bytes32 supplied = keccak256(abi.encodePacked(outputWords));
        if (supplied != outputHash) revert OutputHashMismatch(requestId, outputHash, supplied);
        delete _pending[requestId];
        _onInferenceResult(requestId, outputWords);
    }

    /// @notice Whether this contract is still waiting for the result of `requestId`.
    function isPending(uint256 requestId) external view returns (bool) {
        return _pending[requestId];
    }

    /// @dev Requests with this contract as the callback, paying `payment`.
    function _requestInference(
        bytes32 modelId,
        uint256[] memory inputWords,
        IInferenceOracle.Mode mode,
        uint8 quorum,
        uint32 callbackGasLimit,
        uint64 deadline,
        uint256 payment
    ) internal returns (uint256 requestId) {
        requestId = ORACLE.requestInference{value: payment}(
            modelId, inputWords, mode, quorum, address(this), callbackGasLimit, deadline
        );
        _pending[requestId] = true;
    }

    /// @dev Reverts UntrustedModelSetup unless `modelId`'s setup meets `requirement`. The registry never
    ///      changes a model's setup, so checking once (e.g. in the constructor) covers every request.
    ///      A model without a proof system is served by attestation only and has no setup to check.
    function _requireSetup(bytes32 modelId, SetupRequirement memory requirement) internal view {
        IModelRegistry.Model memory model = ORACLE.REGISTRY().getModel(modelId);
        if (model.proofSystem == IModelRegistry.ProofSystem.None) return;
        IModelRegistry.SetupRecord memory setup = model.setup;
        bool enough = model.proofSystem != IModelRegistry.ProofSystem.Groth16
            || setup.contributions >= requirement.minContributions;
        if (
            !enough || (setup.insecure && !requirement.allowInsecure)
                || (!model.listedCeremony && !requirement.allowUnlistedCeremony)
        ) {
            revert UntrustedModelSetup(modelId, setup.ptauHash, setup.contributions, setup.insecure, model.listedCeremony);
        }
    }

    /// @dev Acts on the final output of `requestId`; a revert here leaves the oracle's result standing.
    function _onInferenceResult(uint256 requestId, uint256[] calldata outputWords) internal virtual;
}
