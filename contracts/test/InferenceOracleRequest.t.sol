// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";

contract InferenceOracleRequestTest is VeridictTest {
    /// @dev InferenceOracle's storage slot of `mapping(uint256 => bytes32) _states` (forge inspect
    ///      InferenceOracle storageLayout): the one word stored per request.
    uint256 internal constant STATES_SLOT = 2;
    bytes32 internal constant LOW_BYTE = bytes32(uint256(0xff));

    function _stateWord(uint256 requestId) internal view returns (bytes32) {
        return vm.load(address(oracle), keccak256(abi.encode(requestId, STATES_SLOT)));
    }

    function _requestHash(IInferenceOracle.Request memory request) internal pure returns (bytes32) {
        return keccak256(abi.encode(request)) & ~LOW_BYTE;
    }

    /// @dev Asks from this test contract (reverts are expected on this very call).
    function _ask(bytes32 modelId, uint256[] memory inputWords, IInferenceOracle.RequestOptions memory options)
        internal
        returns (uint256)
    {
        return oracle.requestInference{value: FEE}(modelId, inputWords, options);
    }

    function test_RequestEmitsTheWholeRequestAndStoresItsHash() public {
        address callback = makeAddr("callback");
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = callback;
        options.callbackGasLimit = 100_000;
        options.callbackGasPrice = 3 gwei;
        uint256 prepaid = 100_000 * 3 gwei;
        uint256 payment = FEE + 1 + prepaid;
        IInferenceOracle.Request memory expected = IInferenceOracle.Request({
            id: 1,
            modelId: squareModel,
            inputHash: _hashWords(squareInput),
            requester: requester,
            payer: requester,
            fee: FEE + 1,
            callback: callback,
            callbackGasLimit: 100_000,
            callbackGasPrice: 3 gwei,
            deadline: uint32(options.deadline),
            mode: IInferenceOracle.Mode.ZK,
            quorum: 0,
            provable: true,
            modelIndex: 1,
            outputValues: 1,
            outputBits: 32,
            blockNumber: uint64(block.number),
            valueAtRisk: 0,
            totalWeight: 0
        });
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.InferenceRequested(1, squareModel, requester, expected, squareInput);
        IInferenceOracle.Request memory request = _request(squareModel, squareInput, options, payment);

        assertEq(keccak256(abi.encode(request)), keccak256(abi.encode(expected)), "the event carries the Request");
        assertEq(oracle.nextRequestId(), 2);
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(1);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, _requestHash(request), "the stored hash is the emitted Request's");
        assertEq(address(oracle).balance, payment, "the oracle holds the fee and the prepaid callback gas");
    }

    /// @dev The oracle keeps one word per request: the hash with its lowest byte replaced by the status.
    function test_TheStoredWordIsTheHashWithTheStatusInItsLowestByte() public {
        IInferenceOracle.Request memory request = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        bytes32 word = _stateWord(request.id);
        assertEq(word, _requestHash(request) | bytes32(uint256(IInferenceOracle.Status.Requested)));
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(uint256(word) & 0xff));
        assertEq(hash, word & ~LOW_BYTE);

        vm.warp(request.deadline + 1);
        oracle.refund(request);
        word = _stateWord(request.id);
        assertEq(uint256(word), uint256(IInferenceOracle.Status.Refunded), "a refunded request keeps only its status");
        (status, hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Refunded));
        assertEq(hash, bytes32(0));
        assertEq(_stateWord(request.id + 1), bytes32(0), "nothing is stored for an id not yet used");
    }

    function test_RequestAttestedOnAModelWithoutVerifier() public {
        IInferenceOracle.Request memory request = _requestLarge(3);
        assertEq(uint8(request.mode), uint8(IInferenceOracle.Mode.ATTESTED));
        assertEq(request.quorum, 3);
        assertEq(request.modelId, largeModel);
        assertEq(request.modelIndex, 2);
        assertFalse(request.provable);
        assertEq(request.outputValues, 10);
        assertEq(request.outputBits, 16);
        assertEq(request.valueAtRisk, FEE, "valueAtRisk 0 means the fee");
        assertEq(request.totalWeight, OPERATOR_COUNT * 2 ether);
        assertEq(request.inputHash, _hashWords(largeInput));
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, _requestHash(request));
    }

    /// @dev What submitting attestations needs without reading the registry, and what the committees
    ///      are drawn from: the model's packing and verifier, the block, the weight at the request.
    function test_RequestRecordsTheModelTermsTheBlockAndTheWeight() public {
        vm.roll(5_000);
        IInferenceOracle.Request memory square = _requestSquare(IInferenceOracle.Mode.ATTESTED, 2);
        assertEq(square.blockNumber, 5_000);
        assertEq(square.totalWeight, staking.totalWeight());
        assertEq(square.totalWeight, 12 ether);
        assertTrue(square.provable);
        assertEq(square.modelIndex, 1);
        assertEq(square.outputValues, 1);
        assertEq(square.outputBits, 32);

        vm.prank(operators[0]);
        staking.addStake{value: 1 ether}();
        vm.prank(operators[1]);
        staking.requestUnstake(1.5 ether);
        vm.roll(5_001);
        IInferenceOracle.Request memory large = _requestLarge(1);
        assertEq(large.blockNumber, 5_001);
        assertEq(large.totalWeight, 11 ether, "the weight at the request: +1 ether, and one operator below the minimum");
        assertEq(large.totalWeight, staking.totalWeight());
        assertFalse(large.provable);
        assertEq(large.modelIndex, 2);
        assertEq(large.outputValues, 10);
        assertEq(large.outputBits, 16);

        IInferenceOracle.Request memory zk = _requestSquare(IInferenceOracle.Mode.ZK, 0);
        assertEq(zk.totalWeight, 0, "a ZK request draws no committee");
        assertEq(zk.valueAtRisk, 0);
        assertEq(zk.blockNumber, 5_001);
    }

    function test_RequestIdsIncrease() public {
        assertEq(_requestSquare(IInferenceOracle.Mode.ZK, 0).id, 1);
        assertEq(_requestSquare(IInferenceOracle.Mode.ATTESTED, 2).id, 2);
        assertEq(_requestLarge(1).id, 3);
        assertEq(oracle.nextRequestId(), 4);
    }

    function test_RevertWhen_ModelIsUnknown() public {
        bytes32 unknown = keccak256("unknown");
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ModelNotRequestable.selector, unknown, IModelRegistry.ModelStatus.None
            )
        );
        _ask(unknown, squareInput, options);
    }

    function test_RevertWhen_ModelIsDeprecated() public {
        vm.prank(modelOwner);
        registry.deprecateModel(squareModel);
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ModelNotRequestable.selector, squareModel, IModelRegistry.ModelStatus.Deprecated
            )
        );
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_FeeIsTooLow() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientFee.selector, FEE - 1, FEE));
        oracle.requestInference{value: FEE - 1}(squareModel, squareInput, options);
    }

    function test_RevertWhen_PaymentDoesNotFitTheRequest() public {
        uint256 payment = uint256(type(uint96).max) + 1;
        vm.deal(address(this), payment);
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.PaymentTooLarge.selector, payment, type(uint96).max));
        oracle.requestInference{value: payment}(squareModel, squareInput, options);
    }

    /// @dev The prepayment is not part of the fee: a payment over 2^96 fits once it is taken out.
    function test_PaymentFitsOnceThePrepaymentIsTakenOut() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = makeAddr("callback");
        options.callbackGasLimit = 1_000_000;
        options.callbackGasPrice = 1 ether;
        uint256 prepaid = 1_000_000 ether;
        uint256 payment = uint256(type(uint96).max) + prepaid;
        vm.deal(requester, payment);
        IInferenceOracle.Request memory request = _request(squareModel, squareInput, options, payment);
        assertEq(request.fee, type(uint96).max);
        vm.deal(requester, payment + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.PaymentTooLarge.selector, payment + 1, type(uint96).max)
        );
        vm.prank(requester);
        oracle.requestInference{value: payment + 1}(squareModel, squareInput, options);
    }

    function test_RevertWhen_ZkRequestForAModelWithoutVerifier() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ModelHasNoVerifier.selector, largeModel));
        _ask(largeModel, largeInput, options);
    }

    function test_RevertWhen_ZkRequestHasAQuorum() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ZK, 1));
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_AttestedQuorumIsZero() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ATTESTED, 0)
        );
        _ask(largeModel, largeInput, options);
    }

    function test_RevertWhen_AttestedQuorumExceedsMaxSigners() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 9);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InvalidQuorum.selector, IInferenceOracle.Mode.ATTESTED, 9)
        );
        _ask(largeModel, largeInput, options);
    }

    function test_RevertWhen_DeadlineIsNotInTheFuture() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.deadline = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidDeadline.selector, block.timestamp));
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_DeadlineDoesNotFit32Bits() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.deadline = uint64(type(uint32).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidDeadline.selector, options.deadline));
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_CallbackHasNoGas() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = makeAddr("callback");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 0, 5_000_000));
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_CallbackGasLimitIsTooHigh() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = makeAddr("callback");
        options.callbackGasLimit = 5_000_001;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 5_000_001, 5_000_000));
        _ask(squareModel, squareInput, options);
    }

    function test_RevertWhen_GasLimitWithoutCallback() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callbackGasLimit = 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 1, 5_000_000));
        _ask(squareModel, squareInput, options);
    }

    /// @dev callback == 0 requires a zero limit and a zero price: no prepayment for a callback that
    ///      never runs.
    function test_RevertWhen_GasPriceWithoutCallback() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callbackGasPrice = 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 0, 5_000_000));
        _ask(squareModel, squareInput, options);
    }

    /// @dev The payment must cover the model's fee plus callbackGasLimit * callbackGasPrice; the
    ///      Request's fee is the payment less that prepayment, so overpaying raises the fee.
    function test_CallbackGasIsPrepaidAtTheDeclaredPrice() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.callback = makeAddr("callback");
        options.callbackGasLimit = 250_000;
        options.callbackGasPrice = 4 gwei;
        uint256 prepaid = 250_000 * 4 gwei;

        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InsufficientFee.selector, FEE + prepaid - 1, FEE + prepaid)
        );
        vm.prank(requester);
        oracle.requestInference{value: FEE + prepaid - 1}(squareModel, squareInput, options);

        IInferenceOracle.Request memory exact = _request(squareModel, squareInput, options, FEE + prepaid);
        assertEq(exact.fee, FEE);
        assertEq(exact.callbackGasLimit, 250_000);
        assertEq(exact.callbackGasPrice, 4 gwei);

        IInferenceOracle.Request memory generous = _request(squareModel, squareInput, options, FEE + prepaid + 7);
        assertEq(generous.fee, FEE + 7, "what is paid beyond the prepayment is fee");
        assertEq(address(oracle).balance, 2 * (FEE + prepaid) + 7);

        options.callbackGasPrice = 0;
        IInferenceOracle.Request memory free = _request(squareModel, squareInput, options, FEE);
        assertEq(free.fee, FEE, "a callback at a zero price prepays nothing");
        assertEq(free.callbackGasPrice, 0);
    }

    /// @dev ZK requests lock no stake: any value at risk is refused.
    function test_RevertWhen_ZkRequestDeclaresAValueAtRisk() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ZK, 0);
        options.valueAtRisk = FEE;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidValueAtRisk.selector, FEE, FEE));
        _ask(squareModel, squareInput, options);
    }

    /// @dev ATTESTED: 0 means the fee (the fee actually paid, less the prepayment), less than the fee
    ///      is refused, more is kept.
    function test_AttestedValueAtRiskIsAtLeastTheFee() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 2);
        options.callback = makeAddr("callback");
        options.callbackGasLimit = 100_000;
        options.callbackGasPrice = 1 gwei;
        uint256 prepaid = 100_000 gwei;
        uint256 payment = 2 * FEE + prepaid;

        IInferenceOracle.Request memory request = _request(largeModel, largeInput, options, payment);
        assertEq(request.fee, 2 * FEE);
        assertEq(request.valueAtRisk, 2 * FEE, "0 means the request's fee, not the model's");

        options.valueAtRisk = 2 * FEE - 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidValueAtRisk.selector, 2 * FEE - 1, 2 * FEE));
        vm.prank(requester);
        oracle.requestInference{value: payment}(largeModel, largeInput, options);

        options.valueAtRisk = 2 * FEE;
        assertEq(_request(largeModel, largeInput, options, payment).valueAtRisk, 2 * FEE);
        options.valueAtRisk = 1.5 ether;
        request = _request(largeModel, largeInput, options, payment);
        assertEq(request.valueAtRisk, 1.5 ether, "a requester may put more stake at risk than its fee");
        assertEq(request.fee, 2 * FEE);
    }

    /// @dev A model without a verifier is served by committees only: without any weight there is
    ///      no committee to draw. A provable model can still be attested once its round is open.
    function test_RevertWhen_NoOperatorIsActiveForAModelWithoutVerifier() public {
        for (uint256 i; i < OPERATOR_COUNT; ++i) {
            vm.prank(operators[i]);
            staking.requestUnstake(1.5 ether);
        }
        assertEq(staking.totalWeight(), 0);
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(IInferenceOracle.NoActiveOperators.selector);
        _ask(largeModel, largeInput, options);

        IInferenceOracle.Request memory provable = _request(squareModel, squareInput, options, FEE);
        assertEq(provable.totalWeight, 0);
        assertTrue(provable.provable);
        assertEq(_requestSquare(IInferenceOracle.Mode.ZK, 0).totalWeight, 0);

        vm.prank(operators[0]);
        staking.addStake{value: 1 ether}();
        assertEq(_requestLarge(1).totalWeight, 1.5 ether, "one operator back above the minimum is enough");
    }

    function test_RevertWhen_InputHasTooFewWords() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordCountMismatch.selector, 2, 1));
        _ask(largeModel, _words(1), options);
    }

    function test_RevertWhen_AFullInputWordHasBitsAbove248() public {
        uint256[] memory input = largeInput;
        input[0] = 1 << 248;
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, 0, 1 << 248, 248));
        _ask(largeModel, input, options);
    }

    function test_RevertWhen_TheLastInputWordHasBitsAboveItsValues() public {
        uint256[] memory input = largeInput;
        input[1] = 1 << 72;
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, 1, 1 << 72, 72));
        _ask(largeModel, input, options);
    }

    function test_RevertWhen_GettingAnUnknownRequest() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 42));
        oracle.getRequestState(42);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotFound.selector, 42));
        oracle.getResult(42);
        assertFalse(oracle.isResult(42, squareOutput));
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
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 1);
        IInferenceOracle.Request memory request = _request(modelId, words, options, 0);
        assertEq(request.inputHash, keccak256(abi.encodePacked(words)));
        (, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(hash, _requestHash(request));

        uint256 bad = seed % wordCount;
        uint256 badBits = bad == wordCount - 1 ? lastBits : perWord * inputBits;
        words[bad] |= 1 << (badBits + (seed >> 8) % (256 - badBits));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InputWordOutOfRange.selector, bad, words[bad], badBits));
        oracle.requestInference(modelId, words, options);
    }

    function testFuzz_RequestParameters(
        uint8 quorum,
        uint32 gasLimit,
        uint64 gasPrice,
        uint64 deadline,
        uint96 payment,
        uint96 valueAtRisk
    ) public {
        quorum = uint8(bound(quorum, 1, 8));
        gasLimit = uint32(bound(gasLimit, 1, 5_000_000));
        gasPrice = uint64(bound(gasPrice, 0, 100 gwei));
        deadline = uint64(bound(deadline, block.timestamp + 1, type(uint32).max));
        payment = uint96(bound(payment, FEE, 50 ether));
        uint256 prepaid = uint256(gasLimit) * gasPrice;
        valueAtRisk = uint96(bound(valueAtRisk, 0, 60 ether));
        if (valueAtRisk != 0 && valueAtRisk < payment) valueAtRisk = 0;
        address callback = makeAddr("callback");
        IInferenceOracle.RequestOptions memory options = IInferenceOracle.RequestOptions({
            mode: IInferenceOracle.Mode.ATTESTED,
            quorum: quorum,
            callback: callback,
            callbackGasLimit: gasLimit,
            callbackGasPrice: gasPrice,
            deadline: deadline,
            valueAtRisk: valueAtRisk,
            payer: address(0)
        });
        vm.deal(requester, payment + prepaid);
        IInferenceOracle.Request memory request = _request(largeModel, largeInput, options, payment + prepaid);
        assertEq(request.requester, requester);
        assertEq(request.quorum, quorum);
        assertEq(request.callbackGasLimit, gasLimit);
        assertEq(request.callbackGasPrice, gasPrice);
        assertEq(request.deadline, deadline);
        assertEq(request.fee, payment);
        assertEq(request.valueAtRisk, valueAtRisk == 0 ? payment : valueAtRisk);
        assertEq(request.callback, callback);
        assertEq(request.blockNumber, block.number);
        assertEq(request.totalWeight, staking.totalWeight());
        (IInferenceOracle.Status status, bytes32 hash) = oracle.getRequestState(request.id);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Requested));
        assertEq(hash, _requestHash(request));
        assertEq(address(oracle).balance, uint256(payment) + prepaid);
    }
}
