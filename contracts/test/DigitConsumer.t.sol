// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InferenceConsumer} from "../src/InferenceConsumer.sol";
import {DigitConsumer} from "../src/examples/DigitConsumer.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {VeridictTest} from "./utils/VeridictTest.sol";
import {WordPackingHarness} from "./utils/WordPackingHarness.sol";

contract DigitConsumerTest is VeridictTest {
    bytes32 internal digitModel;

    DigitConsumer internal consumer;
    WordPackingHarness internal packing;
    uint256[] internal image;
    address internal user = makeAddr("user");

    function setUp() public override {
        super.setUp();
        vm.prank(modelOwner);
        digitModel = registry.registerModel(
            _attestedOnlyDefinition("veridict.test.digits-14x14", 196, 8, 10, 16), "", FEE, "ipfs://digits"
        );
        consumer = new DigitConsumer(oracle, digitModel, 16, IInferenceOracle.Mode.ATTESTED, 2, 150_000, _strict(1));
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
        return new DigitConsumer(oracle, modelId, 32, IInferenceOracle.Mode.ZK, 0, 150_000, requirement);
    }

    function test_ModelWithoutProofSystemHasNoSetupToRequire() public view {
        assertEq(consumer.MODEL_ID(), digitModel);
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
            ptauHash: 0xeeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4, contributions: 3, insecure: false
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

    function _classify() internal returns (uint256 requestId) {
        vm.prank(user);
        requestId = consumer.classify{value: FEE}(image, _deadline());
    }

    function _attest(uint256 requestId, uint256[] memory output) internal {
        uint256[] memory input = image;
        oracle.submitAttestations(requestId, output, _signatures(requestId, digitModel, input, output, 2));
        vm.warp(block.timestamp + CHALLENGE_WINDOW);
    }

    function test_ClassifyStoresTheArgmaxDigit() public {
        uint256 requestId = _classify();
        assertTrue(consumer.isPending(requestId));
        assertEq(consumer.requesterOf(requestId), user);

        _attest(requestId, _scores(7));
        vm.expectEmit(address(consumer));
        emit DigitConsumer.DigitClassified(requestId, user, 7, 2_000);
        oracle.finalize(requestId);

        (bool known, uint8 digit) = consumer.digitOf(requestId);
        assertTrue(known);
        assertEq(digit, 7);
        assertEq(consumer.latestDigitOf(user), 7);
        assertFalse(consumer.isPending(requestId));
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
        vm.prank(requester);
        uint256 requestId = oracle.requestInference{value: FEE}(
            digitModel, image, IInferenceOracle.Mode.ATTESTED, 2, address(consumer), 150_000, _deadline()
        );
        uint256[] memory output = _scores(1);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, requestId));
        vm.prank(address(oracle));
        consumer.onInferenceResult(requestId, output);

        _attest(requestId, output);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(requestId, address(consumer));
        oracle.finalize(requestId);
        (bool known,) = consumer.digitOf(requestId);
        assertFalse(known);
    }

    function test_DeliverResultAfterAFailedCallback() public {
        DigitConsumer stingy = new DigitConsumer(oracle, digitModel, 16, IInferenceOracle.Mode.ATTESTED, 2, 5_000, _strict(1));
        vm.prank(user);
        uint256 requestId = stingy.classify{value: FEE}(image, _deadline());
        uint256[] memory output = _scores(4);
        _attest(requestId, output);
        vm.expectEmit(address(oracle));
        emit IInferenceOracle.CallbackFailed(requestId, address(stingy));
        oracle.finalize(requestId);
        assertTrue(stingy.isPending(requestId));

        uint256[] memory forged = _scores(5);
        vm.expectRevert(
            abi.encodeWithSelector(
                InferenceConsumer.OutputHashMismatch.selector, requestId, _hashWords(output), _hashWords(forged)
            )
        );
        stingy.deliverResult(requestId, forged);

        stingy.deliverResult(requestId, output);
        (bool known, uint8 digit) = stingy.digitOf(requestId);
        assertTrue(known);
        assertEq(digit, 4);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, requestId));
        stingy.deliverResult(requestId, output);
    }

    function test_RevertWhen_DeliveringBeforeTheResultIsFinal() public {
        uint256 requestId = _classify();
        uint256[] memory output = _scores(1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceOracle.ResultNotFinal.selector, requestId, IInferenceOracle.Status.Requested
            )
        );
        consumer.deliverResult(requestId, output);
    }

    /// @dev The attack: the example consumer swept every user's refund to its owner.
    function test_AnExpiredRequestsFeeGoesBackToTheUserWhoPaidIt() public {
        uint256 requestId = _classify();
        address other = makeAddr("other user");
        vm.deal(other, 1 ether);
        vm.prank(other);
        uint256 othersRequest = consumer.classify{value: FEE}(image, uint64(block.timestamp + 1 days));
        vm.warp(block.timestamp + 4 days);
        // Someone refunds one request at the oracle directly; claiming still credits its payer once.
        oracle.refund(othersRequest);

        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NothingToRefund.selector, user));
        vm.prank(user);
        consumer.withdrawRefund(payable(user));

        vm.expectEmit(address(consumer));
        emit InferenceConsumer.RefundCredited(requestId, user, FEE);
        consumer.claimRefund(requestId);
        consumer.claimRefund(othersRequest);
        assertEq(consumer.refundOf(user), FEE);
        assertEq(consumer.refundOf(other), FEE);
        assertEq(address(consumer).balance, 2 * FEE);
        assertFalse(consumer.isPending(requestId));
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.UnknownRequest.selector, requestId));
        consumer.claimRefund(requestId);

        uint256 before = user.balance;
        vm.prank(user);
        consumer.withdrawRefund(payable(user));
        assertEq(user.balance - before, FEE);
        assertEq(consumer.refundOf(user), 0);
    }

    function test_RevertWhen_ClaimingARefundBeforeTheDeadline() public {
        uint256 requestId = _classify();
        uint256 deadline = oracle.getRequest(requestId).deadline;
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.RequestNotExpired.selector, requestId, deadline));
        consumer.claimRefund(requestId);
        assertTrue(consumer.isPending(requestId));
    }

    function test_RevertWhen_SomeoneElseSendsEther() public {
        vm.deal(user, 1 ether);
        vm.prank(user);
        (bool ok, bytes memory reason) = address(consumer).call{value: 1}("");
        assertFalse(ok);
        assertEq(reason, abi.encodeWithSelector(InferenceConsumer.UnexpectedEther.selector, user));
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
