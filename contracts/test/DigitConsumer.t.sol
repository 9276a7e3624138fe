// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InferenceConsumer} from "../src/InferenceConsumer.sol";
import {DigitConsumer} from "../src/examples/DigitConsumer.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {WordPackingHarness} from "./utils/WordPackingHarness.sol";

contract DigitConsumerTest is VeridictTest {
    uint32 internal constant CALLBACK_GAS = 150_000;

    bytes32 internal digitModel;

    DigitConsumer internal consumer;
    WordPackingHarness internal packing;
    uint256[] internal image;
    address internal user = makeAddr("user");
    address internal relayer = makeAddr("relayer");

    function setUp() public override {
        super.setUp();
        vm.prank(modelOwner);
        digitModel = registry.registerModel(
            _attestedOnlyDefinition("veridict.test.digits-14x14", 196, 8, 10, 16), "", FEE, "ipfs://digits"
        );
        consumer =
            new DigitConsumer(oracle, digitModel, 16, IInferenceOracle.Mode.ATTESTED, 2, CALLBACK_GAS, _strict(1));
        packing = new WordPackingHarness();
        image = new uint256[](7);
        vm.deal(user, 1 ether);
    }

    function _strict(uint16 minContributions) internal pure returns (InferenceConsumer.SetupRequirement memory) {
        return InferenceConsumer.SetupRequirement({
            minContributions: minContributions, allowUnlistedCeremony: false, allowInsecure: false
        });
    }

    function _deploy(bytes32 modelId, InferenceConsumer.SetupRequirement memory requirement)
        internal
        returns (DigitConsumer)
    {
        return new DigitConsumer(oracle, modelId, 32, IInferenceOracle.Mode.ZK, 0, CALLBACK_GAS, requirement);
    }

    function test_ModelWithoutProofSystemHasNoSetupToRequire() public view {
        assertEq(consumer.MODEL_ID(), digitModel);
        assertEq(consumer.QUORUM(), 2);
        assertEq(consumer.CALLBACK_GAS_LIMIT(), CALLBACK_GAS);
    }

    function test_RevertWhen_ModelSetupIsInsecureOrUnlisted() public {
        // The square fixture: a single-party ptau, stated insecure, not a listed ceremony, 1 contribution.
        bytes4 untrusted = InferenceConsumer.UntrustedModelSetup.selector;
        vm.expectRevert(abi.encodeWithSelector(untrusted, squareModel, SQUARE_PTAU, 1, true, false));
        _deploy(squareModel, _strict(1));
        InferenceConsumer.SetupRequirement memory requirement = _strict(1);
        requirement.allowInsecure = true;
        vm.expectRevert(abi.encodeWithSelector(untrusted, squareModel, SQUARE_PTAU, 1, true, false));
        _deploy(squareModel, requirement);
        requirement.allowUnlistedCeremony = true;
        assertEq(_deploy(squareModel, requirement).MODEL_ID(), squareModel);
    }

    function test_RevertWhen_ModelHasTooFewContributions() public {
        IModelRegistry.ModelDefinition memory definition = _squareDefinition();
        definition.setup = IModelRegistry.SetupRecord({
            ptauHash: 0xeeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4,
            contributions: 3,
            insecure: false
        });
        vm.prank(modelOwner);
        bytes32 ceremonyModel = registry.registerModel(definition, squareKey, FEE, "");
        assertEq(_deploy(ceremonyModel, _strict(3)).MODEL_ID(), ceremonyModel);
        vm.expectRevert(
            abi.encodeWithSelector(
                InferenceConsumer.UntrustedModelSetup.selector, ceremonyModel, definition.setup.ptauHash, 3, false, true
            )
        );
        _deploy(ceremonyModel, _strict(4));
    }

    function _scores(uint256 winner) internal view returns (uint256[] memory) {
        int256[] memory scores = new int256[](10);
        for (uint256 i; i < 10; ++i) {
            scores[i] = -int256(i) * 100;
        }
        scores[winner] = 2_000;
        return packing.pack(scores, 16);
    }

    /// @dev `user` classifies `image` through `target`, paying the fee plus the callback's gas at
    ///      `gasPrice`; returns the request as the oracle emitted it.
    function _classifyWith(DigitConsumer target, uint64 deadline, uint64 gasPrice)
        internal
        returns (IInferenceOracle.Request memory request)
    {
        uint256 payment = FEE + uint256(target.CALLBACK_GAS_LIMIT()) * gasPrice;
        vm.recordLogs();
        vm.prank(user);
        uint256 requestId = target.classify{value: payment}(image, deadline, gasPrice);
        request = _requestFromLogs(vm.getRecordedLogs());
        assertEq(request.id, requestId);
    }

    function _classify() internal returns (IInferenceOracle.Request memory) {
        return _classifyWith(consumer, _deadline(), 0);
    }

    /// @dev Two entitled operators attest `output`; the challenge window then passes.
    function _attestAndWait(IInferenceOracle.Request memory request, uint256[] memory output)
        internal
        returns (IInferenceOracle.AttestationRecord memory record)
    {
        record = _attest(request, output, 2);
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
    }

    function test_ClassifyStoresTheArgmaxDigit() public {
        IInferenceOracle.Request memory request = _classify();
        assertTrue(consumer.isPending(request.id));
        assertEq(consumer.requesterOf(request.id), user);
        assertEq(request.requester, address(consumer));
        assertEq(request.callback, address(consumer));
        assertEq(request.callbackGasLimit, CALLBACK_GAS);
        assertEq(uint8(request.mode), uint8(IInferenceOracle.Mode.ATTESTED));
        assertEq(request.quorum, 2);
        assertEq(request.fee, FEE);
        assertEq(request.valueAtRisk, FEE, "attestations lock the fee");

        uint256[] memory output = _scores(7);
        IInferenceOracle.AttestationRecord memory record = _attestAndWait(request, output);
        vm.expectEmit(address(consumer));
        emit DigitConsumer.DigitClassified(request.id, user, 7, 2_000);
        oracle.finalize(request, record, output);

        (bool known, uint8 digit) = consumer.digitOf(request.id);
        assertTrue(known);
        assertEq(digit, 7);
        assertEq(consumer.latestDigitOf(user), 7);
        assertFalse(consumer.isPending(request.id));
    }

    /// @dev The user prepays the callback's gas at the price it chooses: the finalizer is paid for
    ///      the gas the callback used, and the rest is credited back to the consumer at the oracle.
    function test_ClassifyPrepaysTheCallbackGas() public {
        uint256 prepaid = uint256(CALLBACK_GAS) * 2 gwei;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientFee.selector, FEE, FEE + prepaid));
        vm.prank(user);
        consumer.classify{value: FEE}(image, _deadline(), 2 gwei);

        IInferenceOracle.Request memory request = _classifyWith(consumer, _deadline(), 2 gwei);
        assertEq(request.fee, FEE);
        assertEq(request.callbackGasPrice, 2 gwei);
        uint256[] memory output = _scores(3);
        IInferenceOracle.AttestationRecord memory record = _attestAndWait(request, output);
        vm.prank(relayer);
        oracle.finalize(request, record, output);

        (bool known, uint8 digit) = consumer.digitOf(request.id);
        assertTrue(known);
        assertEq(digit, 3);
        uint256 paid = oracle.balanceOf(relayer);
        assertGt(paid, 0, "the finalizer is paid for the callback's gas");
        assertLt(paid, prepaid);
        assertEq(paid % 2 gwei, 0, "at the declared price");
        assertEq(oracle.balanceOf(user), prepaid - paid, "the unused gas goes back to the user who paid");
        assertEq(oracle.balanceOf(address(consumer)), 0);
    }

    function test_ArgmaxTakesTheFirstOfEqualScores() public view {
        int256[] memory scores = new int256[](10);
        scores[3] = 5;
        scores[8] = 5;
        (uint8 digit, int256 score) = consumer.argmax(packing.pack(scores, 16), 16);
        assertEq(digit, 3);
        assertEq(score, 5);
    }

    function test_RevertWhen_StrangerCallsTheHook() public {
        uint256[] memory output = _scores(1);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.CallerNotOracle.selector, address(this)));
        consumer.onInferenceResult(1, output);
    }

    function test_ResultOfARequestMadeElsewhereIsRefused() public {
        IInferenceOracle.RequestOptions memory options = _options(IInferenceOracle.Mode.ATTESTED, 2);
        options.callback = address(consumer);
        options.callbackGasLimit = CALLBACK_GAS;
        IInferenceOracle.Request memory request = _request(digitModel, image, options, FEE);
        uint256[] memory output = _scores(1);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, request.id));
        vm.prank(address(oracle));
        consumer.onInferenceResult(request.id, output);

        IInferenceOracle.AttestationRecord memory record = _attestAndWait(request, output);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(request.id, address(consumer));
        oracle.finalize(request, record, output);
        (bool known,) = consumer.digitOf(request.id);
        assertFalse(known);
        assertTrue(oracle.isResult(request.id, output), "the oracle's result stands");
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, request.id));
        consumer.deliverResult(request.id, output);
    }

    function test_DeliverResultAfterAFailedCallback() public {
        DigitConsumer stingy =
            new DigitConsumer(oracle, digitModel, 16, IInferenceOracle.Mode.ATTESTED, 2, 5_000, _strict(1));
        IInferenceOracle.Request memory request = _classifyWith(stingy, _deadline(), 0);
        uint256[] memory output = _scores(4);
        IInferenceOracle.AttestationRecord memory record = _attestAndWait(request, output);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(request.id, address(stingy));
        oracle.finalize(request, record, output);
        assertTrue(stingy.isPending(request.id));

        uint256[] memory forged = _scores(5);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NotTheResult.selector, request.id));
        stingy.deliverResult(request.id, forged);

        stingy.deliverResult(request.id, output);
        (bool known, uint8 digit) = stingy.digitOf(request.id);
        assertTrue(known);
        assertEq(digit, 4);
        assertFalse(stingy.isPending(request.id));
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, request.id));
        stingy.deliverResult(request.id, output);
    }

    /// @dev Neither a Requested nor an Attested request has a result to hand in yet.
    function test_RevertWhen_DeliveringBeforeTheResultIsFinal() public {
        IInferenceOracle.Request memory request = _classify();
        uint256[] memory output = _scores(1);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NotTheResult.selector, request.id));
        consumer.deliverResult(request.id, output);

        _attest(request, output, 2);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NotTheResult.selector, request.id));
        consumer.deliverResult(request.id, output);
        assertTrue(consumer.isPending(request.id));
    }

    /// @dev The attack: the example consumer swept every user's refund to its owner. Now each
    ///      request names its user as payer, and the oracle credits the user directly.
    function test_AnExpiredRequestsFeeGoesBackToTheUserWhoPaidIt() public {
        IInferenceOracle.Request memory request = _classify();
        assertEq(request.payer, user, "the user is the payer");
        assertEq(request.requester, address(consumer));
        address other = makeAddr("other user");
        vm.deal(other, 1 ether);
        vm.recordLogs();
        vm.prank(other);
        consumer.classify{value: FEE}(image, uint64(block.timestamp + 1 days), 0);
        IInferenceOracle.Request memory othersRequest = _requestFromLogs(vm.getRecordedLogs());
        vm.warp(block.timestamp + 4 days);
        // Someone refunds one request at the oracle directly; claiming it afterwards only ends it.
        oracle.refund(othersRequest);
        assertEq(oracle.balanceOf(other), FEE);

        vm.expectEmit(address(oracle));
        emit IInferenceOracle.RequestRefunded(request.id, user, FEE);
        consumer.claimRefund(request);
        consumer.claimRefund(othersRequest);
        assertEq(oracle.balanceOf(user), FEE);
        assertEq(oracle.balanceOf(other), FEE, "credited once");
        assertEq(oracle.balanceOf(address(consumer)), 0, "nothing reaches the consumer");
        assertEq(address(consumer).balance, 0);
        assertFalse(consumer.isPending(request.id));
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, request.id));
        consumer.claimRefund(request);

        uint256 before = user.balance;
        vm.prank(user);
        oracle.withdraw(payable(user));
        assertEq(user.balance - before, FEE);
    }

    /// @dev The whole payment comes back to the user: the fee and the prepaid callback gas.
    function test_ARefundIncludesThePrepaidCallbackGas() public {
        uint256 payment = FEE + uint256(CALLBACK_GAS) * 3 gwei;
        IInferenceOracle.Request memory request = _classifyWith(consumer, _deadline(), 3 gwei);
        vm.warp(uint256(request.deadline) + 1);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.RequestRefunded(request.id, user, payment);
        consumer.claimRefund(request);
        assertEq(oracle.balanceOf(user), payment);
        assertEq(oracle.balanceOf(address(consumer)), 0);
    }

    /// @dev claimRefund passes the Request to the oracle, which refuses any altered copy.
    function test_RevertWhen_ClaimingARefundWithAnAlteredRequest() public {
        IInferenceOracle.Request memory request = _classify();
        vm.warp(uint256(request.deadline) + 1);
        IInferenceOracle.Request memory altered = abi.decode(abi.encode(request), (IInferenceOracle.Request));
        altered.payer = makeAddr("thief");
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestMismatch.selector, request.id));
        consumer.claimRefund(altered);
        assertTrue(consumer.isPending(request.id));
        consumer.claimRefund(request);
        assertEq(oracle.balanceOf(user), FEE);
    }

    function test_RevertWhen_ClaimingARefundBeforeTheDeadline() public {
        IInferenceOracle.Request memory request = _classify();
        uint256 deadline = request.deadline;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotExpired.selector, request.id, deadline));
        consumer.claimRefund(request);
        assertTrue(consumer.isPending(request.id));
    }

    function test_RevertWhen_SomeoneElseSendsEther() public {
        vm.deal(user, 1 ether);
        vm.prank(user);
        (bool ok,) = address(consumer).call{value: 1}("");
        assertFalse(ok, "the consumer takes no ether: refunds go to its users at the oracle");
    }

    function testFuzz_ArgmaxMatchesAPlainScan(uint256 seed) public view {
        int256[] memory scores = new int256[](10);
        uint256 best;
        for (uint256 i; i < 10; ++i) {
            scores[i] = int256(uint256(keccak256(abi.encode(seed, i))) % 65_536) - 32_768;
            if (scores[i] > scores[best]) best = i;
        }
        (uint8 digit, int256 score) = consumer.argmax(packing.pack(scores, 16), 16);
        assertEq(digit, best);
        assertEq(score, scores[best]);
    }
}
