// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";

contract InferenceOracleRequestTest is VeridictTest {
    function test_RequestStoresTheInputHashAndEmitsEverythingANodeNeeds() public {
        uint64 deadline = _deadline();
        address callback = makeAddr("callback");
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.InferenceRequested(
            1, squareModel, requester, IInferenceOracle.Mode.ZK, 0, callback, 100_000, deadline, FEE + 1, squareInput
        );
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: FEE + 1}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, callback, 100_000, deadline
        );

        assertEq(requestId, 1);
        assertEq(oracle.nextRequestId(), 2);
        IInferenceOracle.Request memory request = oracle.getRequest(requestId);
        assertEq(request.requester, requester);
        assertEq(request.fee, FEE + 1);
        assertEq(uint8(request.status), uint8(IInferenceOracle.Status.Requested));
        assertEq(uint8(request.mode), uint8(IInferenceOracle.Mode.ZK));
        assertEq(request.callback, callback);
        assertEq(request.modelIndex, 1);
        assertEq(request.deadline, deadline);
        assertEq(request.callbackGasLimit, 100_000);
        assertEq(request.quorum, 0);
        assertEq(request.dataHash, _hashWords(squareInput));
        assertEq(address(oracle).balance, FEE + 1);
    }

    function test_RequestAttestedOnAModelWithoutVerifier() public {
        uint256 requestId = _requestLarge(3);
        IInferenceOracle.Request memory request = oracle.getRequest(requestId);
        assertEq(uint8(request.mode), uint8(IInferenceOracle.Mode.ATTESTED));
        assertEq(request.quorum, 3);
        assertEq(request.modelIndex, 2);
    }

    function test_RequestIdsIncrease() public {
        assertEq(_requestSquare(IInferenceOracle.Mode.ZK, 0), 1);
        assertEq(_requestSquare(IInferenceOracle.Mode.ATTESTED, 2), 2);
        assertEq(_requestLarge(1), 3);
    }

    function test_RevertWhen_ModelIsUnknown() public {
        bytes32 unknown = keccak256("unknown");
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ModelNotRequestable.selector, unknown, IModelRegistry.ModelStatus.None
            )
        );
        oracle.requestInference{value: FEE}(
            unknown, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_ModelIsDeprecated() public {
        vm.prank(modelOwner);
        registry.deprecateModel(squareModel);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ModelNotRequestable.selector, squareModel, IModelRegistry.ModelStatus.Deprecated
            )
        );
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_FeeIsTooLow() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientFee.selector, FEE - 1, FEE));
        oracle.requestInference{value: FEE - 1}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_PaymentDoesNotFitTheRequest() public {
        uint256 payment = uint256(type(uint80).max) + 1;
        vm.deal(address(this), payment);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.PaymentTooLarge.selector, payment, type(uint80).max));
        oracle.requestInference{value: payment}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_ZkRequestForAModelWithoutVerifier() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        oracle.requestInference{value: FEE}(
            largeModel, largeInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_ZkRequestHasAQuorum() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ZK, 1));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 1, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_AttestedQuorumIsZero() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ATTESTED, 0)
        );
        oracle.requestInference{value: FEE}(
            largeModel, largeInput, IInferenceOracle.Mode.ATTESTED, 0, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_AttestedQuorumExceedsMaxSigners() public {
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ATTESTED, 9)
        );
        oracle.requestInference{value: FEE}(
            largeModel, largeInput, IInferenceOracle.Mode.ATTESTED, 9, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_DeadlineIsNotInTheFuture() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidDeadline.selector, block.timestamp));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, uint64(block.timestamp)
        );
    }

    function test_RevertWhen_DeadlineDoesNotFit32Bits() public {
        uint64 deadline = uint64(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidDeadline.selector, deadline));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 0, deadline
        );
    }

    function test_RevertWhen_CallbackHasNoGas() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 0, 5_000_000));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, makeAddr("callback"), 0, _deadline()
        );
    }

    function test_RevertWhen_CallbackGasLimitIsTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 5_000_001, 5_000_000));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, makeAddr("callback"), 5_000_001, _deadline()
        );
    }

    function test_RevertWhen_GasLimitWithoutCallback() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 1, 5_000_000));
        oracle.requestInference{value: FEE}(
            squareModel, squareInput, IInferenceOracle.Mode.ZK, 0, address(0), 1, _deadline()
        );
    }

    function test_RevertWhen_InputHasTooFewWords() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordCountMismatch.selector, 2, 1));
        oracle.requestInference{value: FEE}(
            largeModel, _words(1), IInferenceOracle.Mode.ATTESTED, 1, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_AFullInputWordHasBitsAbove248() public {
        uint256[] memory input = largeInput;
        input[0] = 1 << 248;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, 0, 1 << 248, 248));
        oracle.requestInference{value: FEE}(
            largeModel, input, IInferenceOracle.Mode.ATTESTED, 1, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_TheLastInputWordHasBitsAboveItsValues() public {
        uint256[] memory input = largeInput;
        input[1] = 1 << 72;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, 1, 1 << 72, 72));
        oracle.requestInference{value: FEE}(
            largeModel, input, IInferenceOracle.Mode.ATTESTED, 1, address(0), 0, _deadline()
        );
    }

    function test_RevertWhen_GettingAnUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 42));
        oracle.getRequest(42);
    }

    /// forge-config: default.fuzz.runs = 512
    function testFuzz_InputWordRange(uint8 inputBits, uint16 inputValues, uint256 seed) public {
        inputBits = uint8(bound(inputBits, 2, 248));
        uint256 perWord = 248 / uint256(inputBits);
        inputValues = uint16(bound(inputValues, 1, perWord * 4));
        vm.prank(modelOwner);
        bytes32 modelId =
            registry.registerModel(_attestedOnlyDefinition("fuzz", inputValues, inputBits, 1, 8), "", 0, "");
        uint256 wordCount = (uint256(inputValues) + perWord - 1) / perWord;
        uint256[] memory words = new uint256[](wordCount);
        uint256 lastBits = (uint256(inputValues) - (wordCount - 1) * perWord) * inputBits;
        for (uint256 i; i < wordCount; ++i) {
            uint256 bits = i == wordCount - 1 ? lastBits : perWord * inputBits;
            words[i] = uint256(keccak256(abi.encode(seed, i))) >> (256 - bits);
        }
        uint256 requestId =
            oracle.requestInference(modelId, words, IInferenceOracle.Mode.ATTESTED, 1, address(0), 0, _deadline());
        assertEq(oracle.getRequest(requestId).dataHash, keccak256(abi.encodePacked(words)));

        uint256 bad = seed % wordCount;
        uint256 badBits = bad == wordCount - 1 ? lastBits : perWord * inputBits;
        words[bad] |= 1 << (badBits + (seed >> 8) % (256 - badBits));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, bad, words[bad], badBits));
        oracle.requestInference(modelId, words, IInferenceOracle.Mode.ATTESTED, 1, address(0), 0, _deadline());
    }

    function testFuzz_RequestParameters(uint8 quorum, uint32 gasLimit, uint64 deadline, uint96 payment) public {
        quorum = uint8(bound(quorum, 1, 8));
        gasLimit = uint32(bound(gasLimit, 1, 5_000_000));
        deadline = uint64(bound(deadline, block.timestamp + 1, type(uint32).max));
        payment = uint96(bound(payment, FEE, 50 ether));
        address callback = makeAddr("callback");
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: payment}(
            largeModel, largeInput, IInferenceOracle.Mode.ATTESTED, quorum, callback, gasLimit, deadline
        );
        IInferenceOracle.Request memory request = oracle.getRequest(requestId);
        assertEq(request.quorum, quorum);
        assertEq(request.callbackGasLimit, gasLimit);
        assertEq(request.deadline, deadline);
        assertEq(request.fee, payment);
        assertEq(request.callback, callback);
    }
}
