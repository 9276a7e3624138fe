// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "forge-std/Test.sol";

import {InferenceOracle} from "../../src/InferenceOracle.sol";
import {OperatorStaking} from "../../src/OperatorStaking.sol";
import {IInferenceOracle} from "../../src/interfaces/IInferenceOracle.sol";
import {IOperatorStaking} from "../../src/interfaces/IOperatorStaking.sol";
import {CountingConsumer} from "./CountingConsumer.sol";
import {SQUARE_PROOF_BENEFICIARY} from "../utils/SquareFixture.sol";

/// @dev Drives the oracle through random sequences of requests, proofs, honest and lying
///      attestations, disputes, equivocation reports, refunds, withdrawals and stake moves, and
///      keeps the ghost state the invariants compare against.
contract OracleHandler is Test {
    InferenceOracle internal immutable ORACLE;
    OperatorStaking internal immutable STAKING;
    CountingConsumer public immutable CONSUMER;
    bytes32 internal immutable SQUARE_MODEL;
    bytes32 internal immutable LARGE_MODEL;
    uint96 internal immutable FEE;

    address[] public operators;
    uint256[] internal _keys;
    address[] public actors;
    uint256[] public requestIds;
    uint256[] internal _squareInput;
    uint256[] internal _squareOutput;
    uint256[] internal _largeInput;
    bytes internal _proof;

    mapping(uint256 requestId => uint256) public finalTransitions;
    mapping(uint256 requestId => bool) internal _lied;
    mapping(address operator => uint256) public rewardsWhenSlashed;
    mapping(address operator => bool) internal _seenSlashed;
    bool public slashedSignatureCounted;
    mapping(bytes32 action => uint256) public successes;

    constructor(
        InferenceOracle oracle,
        bytes32 squareModel,
        bytes32 largeModel,
        uint96 fee,
        address[] memory operatorAccounts,
        uint256[] memory operatorKeys,
        uint256[] memory squareInput,
        uint256[] memory squareOutput,
        uint256[] memory largeInput,
        bytes memory proof
    ) {
        ORACLE = oracle;
        STAKING = OperatorStaking(address(oracle.STAKING()));
        CONSUMER = new CountingConsumer();
        SQUARE_MODEL = squareModel;
        LARGE_MODEL = largeModel;
        FEE = fee;
        operators = operatorAccounts;
        _keys = operatorKeys;
        _squareInput = squareInput;
        _squareOutput = squareOutput;
        _largeInput = largeInput;
        _proof = proof;
        for (uint256 i; i < 3; ++i) {
            actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
        actors.push(address(CONSUMER));
        actors.push(oracle.TREASURY());
        // Whoever sends a proof, the fixture's proofs pay their beneficiary.
        actors.push(SQUARE_PROOF_BENEFICIARY);
    }

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function request(uint256 actorSeed, uint256 kind, uint96 extra, bool withCallback) external {
        address actor = actors[actorSeed % 3];
        uint256 payment = FEE + bound(extra, 0, 1 ether);
        vm.deal(actor, payment);
        kind %= 3;
        address callback = withCallback ? address(CONSUMER) : address(0);
        uint32 gasLimit = withCallback ? 100_000 : 0;
        uint64 deadline = uint64(block.timestamp + 2 days);
        vm.prank(actor);
        uint256 requestId = kind == 2
            ? ORACLE.requestInference{value: payment}(
                LARGE_MODEL, _largeInput, IInferenceOracle.Mode.ATTESTED, 2, callback, gasLimit, deadline
            )
            : ORACLE.requestInference{value: payment}(
                SQUARE_MODEL,
                _squareInput,
                kind == 0 ? IInferenceOracle.Mode.ZK : IInferenceOracle.Mode.ATTESTED,
                kind == 0 ? 0 : 2,
                callback,
                gasLimit,
                deadline
            );
        requestIds.push(requestId);
    }

    function fulfil(uint256 requestSeed, uint256 actorSeed) external {
        (bool found, uint256 requestId, IInferenceOracle.Request memory stored) = _pick(requestSeed);
        if (!found || stored.modelIndex != 1) return;
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.fulfillWithProof(requestId, _squareInput, _squareOutput, SQUARE_PROOF_BENEFICIARY, _proof) {
            ++finalTransitions[requestId];
            ++successes["fulfil"];
            // On an attested lie, a proof of the right output is a dispute.
            _recordSlashes();
        } catch {}
    }

    /// @dev Signs with a random subset of the operators, honestly or not. Unless `anyone`, the
    ///      subset keeps to active operators; with `anyone` it may hold slashed ones, and then the
    ///      submission must be refused.
    function attest(uint256 requestSeed, uint8 subset, bool lie, bool anyone) external {
        (bool found, uint256 requestId, IInferenceOracle.Request memory stored) = _pick(requestSeed);
        if (!found) return;
        uint256[] memory output = _squareOutput;
        if (lie) output[0] += 1;
        bytes32 digest = ORACLE.hashAttestation(
            IInferenceOracle.Attestation({
                requestId: requestId,
                modelId: stored.modelIndex == 1 ? SQUARE_MODEL : LARGE_MODEL,
                inputHash: stored.dataHash,
                outputHash: keccak256(abi.encodePacked(output))
            })
        );
        (uint256[] memory chosen, bool includesSlashed) = _chooseSigners(subset, anyone);
        bytes[] memory signatures = new bytes[](chosen.length);
        for (uint256 i; i < chosen.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[chosen[i]], digest);
            signatures[i] = abi.encodePacked(r, s, v);
        }
        try ORACLE.submitAttestations(requestId, output, signatures) {
            if (includesSlashed) slashedSignatureCounted = true;
            _lied[requestId] = lie;
            ++successes["attest"];
        } catch {}
    }

    /// @dev A new operator joins, so slashing does not empty the set.
    function join(uint256 stake) external {
        if (operators.length >= 8) return;
        uint256 key = uint256(keccak256(abi.encode("veridict.invariant.operator", operators.length)));
        address account = vm.addr(key);
        stake = bound(stake, 1 ether, 3 ether);
        vm.deal(account, stake);
        vm.prank(account);
        STAKING.register{value: stake}();
        operators.push(account);
        _keys.push(key);
    }

    function finalize(uint256 requestSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = requestIds[requestSeed % requestIds.length];
        try ORACLE.finalize(requestId) {
            if (ORACLE.getRequest(requestId).status == IInferenceOracle.Status.Finalized) {
                ++finalTransitions[requestId];
                ++successes["finalize"];
            } else {
                ++successes["void"];
            }
        } catch {}
    }

    function dispute(uint256 requestSeed, uint256 actorSeed) external {
        if (requestIds.length == 0) return;
        uint256 requestId = requestIds[requestSeed % requestIds.length];
        if (!_lied[requestId]) return;
        vm.prank(actors[actorSeed % 3]);
        try ORACLE.disputeWithProof(requestId, _squareInput, _squareOutput, SQUARE_PROOF_BENEFICIARY, _proof) {
            ++finalTransitions[requestId];
            ++successes["dispute"];
            _recordSlashes();
        } catch {}
    }

    /// @dev Only one call in four goes ahead, so slashing does not crowd out everything else.
    function equivocate(uint256 operatorSeed, uint256 actorSeed) external {
        if (actorSeed % 4 != 0) return;
        uint256 index = operatorSeed % operators.length;
        IInferenceOracle.Attestation memory first = IInferenceOracle.Attestation({
            requestId: 0,
            modelId: SQUARE_MODEL,
            inputHash: keccak256(abi.encodePacked(_squareInput)),
            outputHash: keccak256("one")
        });
        IInferenceOracle.Attestation memory second = IInferenceOracle.Attestation({
            requestId: 0, modelId: SQUARE_MODEL, inputHash: first.inputHash, outputHash: keccak256("other")
        });
        (uint8 v1, bytes32 r1, bytes32 s1) = vm.sign(_keys[index], ORACLE.hashAttestation(first));
        (uint8 v2, bytes32 r2, bytes32 s2) = vm.sign(_keys[index], ORACLE.hashAttestation(second));
        (bytes memory a, bytes memory b) = (abi.encodePacked(r1, s1, v1), abi.encodePacked(r2, s2, v2));
        address reporter = actors[actorSeed % 3];
        // Commit, then reveal in a later block, as the oracle demands.
        bytes32 commitment = keccak256(abi.encode(reporter, first, a, second, b));
        if (ORACLE.equivocationCommittedAt(commitment) == 0) {
            vm.prank(reporter);
            ORACLE.commitEquivocation(commitment);
        }
        vm.roll(block.number + 1);
        vm.prank(reporter);
        try ORACLE.reportEquivocation(first, a, second, b) {
            ++successes["equivocate"];
            _recordSlashes();
        } catch {}
    }

    function refund(uint256 requestSeed) external {
        if (requestIds.length == 0) return;
        try ORACLE.refund(requestIds[requestSeed % requestIds.length]) {
            ++successes["refund"];
        } catch {}
    }

    function withdraw(uint256 actorSeed) external {
        address actor = actors[actorSeed % 3];
        vm.prank(actor);
        try ORACLE.withdraw(payable(actor)) {} catch {}
    }

    function withdrawRewards(uint256 operatorSeed) external {
        address operator = operators[operatorSeed % operators.length];
        vm.prank(operator);
        try STAKING.withdrawRewards() {
            rewardsWhenSlashed[operator] = 0;
        } catch {}
    }

    function unstake(uint256 operatorSeed, uint256 amount) external {
        address operator = operators[operatorSeed % operators.length];
        vm.prank(operator);
        try STAKING.requestUnstake(bound(amount, 1, 1 ether)) {} catch {}
    }

    function withdrawStake(uint256 operatorSeed) external {
        vm.prank(operators[operatorSeed % operators.length]);
        try STAKING.withdrawStake() {} catch {}
    }

    function addStake(uint256 operatorSeed, uint256 amount) external {
        address operator = operators[operatorSeed % operators.length];
        amount = bound(amount, 1, 2 ether);
        vm.deal(operator, amount);
        vm.prank(operator);
        try STAKING.addStake{value: amount}() {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 1, 2 days));
    }

    /// @dev Operator indexes of `subset`, in ascending address order as the oracle wants them.
    function _chooseSigners(uint8 subset, bool anyone)
        internal
        view
        returns (uint256[] memory chosen, bool includesSlashed)
    {
        chosen = new uint256[](operators.length);
        uint256 count;
        for (uint256 i; i < operators.length; ++i) {
            if (subset & (1 << i) == 0) continue;
            bool slashed = STAKING.getOperator(operators[i]).slashed;
            if (!anyone && !STAKING.isActive(operators[i])) continue;
            includesSlashed = includesSlashed || slashed;
            uint256 j = count++;
            for (; j > 0 && operators[chosen[j - 1]] > operators[i]; --j) {
                chosen[j] = chosen[j - 1];
            }
            chosen[j] = i;
        }
        assembly ("memory-safe") {
            mstore(chosen, count)
        }
    }

    function _pick(uint256 seed)
        internal
        view
        returns (bool found, uint256 requestId, IInferenceOracle.Request memory stored)
    {
        if (requestIds.length == 0) return (false, 0, stored);
        requestId = requestIds[seed % requestIds.length];
        stored = ORACLE.getRequest(requestId);
        found = stored.status == IInferenceOracle.Status.Requested;
    }

    function _recordSlashes() internal {
        for (uint256 i; i < operators.length; ++i) {
            IOperatorStaking.Operator memory operator = STAKING.getOperator(operators[i]);
            if (operator.slashed && !_seenSlashed[operators[i]]) {
                _seenSlashed[operators[i]] = true;
                rewardsWhenSlashed[operators[i]] = operator.rewards;
            }
        }
    }
}
