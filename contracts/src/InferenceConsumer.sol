// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IInferenceOracle} from "./interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title InferenceConsumer
/// @notice Base for contracts that request inferences and act on the results. Only the oracle may
///         call the hook, and only for requests this contract made: anyone can name any contract as
///         a request's callback, so a result for a request made elsewhere is refused. Each result
///         is acted on once; if the oracle's callback failed (too little gas, a revert), anyone can
///         hand the final output words in again with deliverResult. Every request names its
///         user as the oracle's `payer`: the oracle credits refunds (an expired payment, unused
///         callback gas, the fee of an overturned attestation and a share of its slash) to the user
///         directly, who withdraws them from the oracle; nothing is left stranded in the consumer.
///         `_quoteFee` says what a request costs; `_withdrawRefunds` takes out what the oracle
///         credited the consumer itself.
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
    /// @notice The words handed in are not the oracle's final result of `requestId` (or it has none yet).
    error NotTheResult(uint256 requestId);
    /// @notice The model's setup record does not meet the consumer's requirement.
    error UntrustedModelSetup(
        bytes32 modelId, bytes32 ptauHash, uint16 contributions, bool insecure, bool listedCeremony
    );

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
    ///         Anyone may call: the oracle checks the words against the result it keeps.
    function deliverResult(uint256 requestId, uint256[] calldata outputWords) external {
        if (!_pending[requestId]) revert UnknownRequest(requestId);
        if (!ORACLE.isResult(requestId, outputWords)) revert NotTheResult(requestId);
        delete _pending[requestId];
        _onInferenceResult(requestId, outputWords);
    }

    /// @notice Ends one of this contract's requests that expired unserved: the oracle credits its
    ///         payment to the user who paid (the request's payer), who withdraws it from the oracle.
    ///         Anyone may call, passing the request as InferenceRequested emitted it.
    function claimRefund(IInferenceOracle.Request calldata request) external {
        if (!_pending[request.id]) revert UnknownRequest(request.id);
        delete _pending[request.id];
        (IInferenceOracle.Status status,) = ORACLE.getRequestState(request.id);
        if (status != IInferenceOracle.Status.Refunded) ORACLE.refund(request);
    }

    /// @notice Whether this contract is still waiting for the result of `requestId`.
    function isPending(uint256 requestId) external view returns (bool) {
        return _pending[requestId];
    }

    /// @dev Requests with this contract as the callback (whatever `options.callback` says), paying
    ///      `payment` (the fee plus options.callbackGasLimit * options.callbackGasPrice) on behalf of
    ///      `payer`, whom the oracle credits every refund of the request.
    function _requestInference(
        bytes32 modelId,
        uint256[] memory inputWords,
        IInferenceOracle.RequestOptions memory options,
        uint256 payment,
        address payer
    ) internal returns (uint256 requestId) {
        options.callback = address(this);
        options.payer = payer;
        requestId = ORACLE.requestInference{value: payment}(modelId, inputWords, options);
        _pending[requestId] = true;
    }

    /// @dev What a request for `modelId` with `options` must pay: the model's current fee plus the
    ///      callback's prepaid gas (callbackGasLimit * callbackGasPrice, of which the unused part is
    ///      refunded to the payer). The owner may change the fee at any time: quote at request time.
    function _quoteFee(bytes32 modelId, IInferenceOracle.RequestOptions memory options)
        internal
        view
        returns (uint256)
    {
        return uint256(ORACLE.REGISTRY().getModelTerms(modelId).fee)
            + uint256(options.callbackGasLimit) * options.callbackGasPrice;
    }

    /// @dev Withdraws what the oracle credited this contract (refunds of requests where this
    ///      contract was the payer, rewards of proofs it delivered) to `to`; returns the amount (0 when
    ///      there was nothing, without reverting). Requests made for a user (`payer` = the user, as
    ///      `_requestInference` does) are credited to that user instead, who withdraws from the oracle.
    function _withdrawRefunds(address payable to) internal returns (uint256 amount) {
        amount = ORACLE.balanceOf(address(this));
        if (amount != 0) ORACLE.withdraw(to);
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
            revert UntrustedModelSetup(
                modelId, setup.ptauHash, setup.contributions, setup.insecure, model.listedCeremony
            );
        }
    }

    /// @dev Acts on the final output of `requestId`; a revert here leaves the oracle's result standing.
    function _onInferenceResult(uint256 requestId, uint256[] calldata outputWords) internal virtual;
}
