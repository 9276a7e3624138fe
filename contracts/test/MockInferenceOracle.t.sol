// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "forge-std/Test.sol";
import {InferenceConsumer} from "../src/InferenceConsumer.sol";
import {DigitConsumer} from "../src/examples/DigitConsumer.sol";
import {IInferenceOracle} from "../src/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {MockInferenceOracle} from "../src/mocks/MockInferenceOracle.sol";
import {SelfPayingConsumer} from "./utils/SelfPayingConsumer.sol";

/// @notice The mock a consumer tests against, used as a consumer would: the example DigitConsumer
///         requests, quotes and is called back through it; refunds and the consumer's helpers.
contract MockInferenceOracleTest is Test {
    bytes32 internal constant MODEL = keccak256("digits");
    uint96 internal constant FEE = 0.01 ether;
    uint32 internal constant CALLBACK_GAS = 150_000;

    MockInferenceOracle internal mock;
    DigitConsumer internal consumer;
    address internal user = makeAddr("user");
    address internal relayer = makeAddr("relayer");
    uint256[] internal image;

    function setUp() public {
        mock = new MockInferenceOracle();
        mock.setModel(MODEL, FEE, 10, 16);
        InferenceConsumer.SetupRequirement memory any =
            InferenceConsumer.SetupRequirement({minContributions: 0, allowUnlistedCeremony: true, allowInsecure: true});
        consumer = new DigitConsumer(
            IInferenceOracle(address(mock)), MODEL, 16, IInferenceOracle.Mode.ATTESTED, 1, CALLBACK_GAS, any
        );
        image = new uint256[](7);
        vm.deal(user, 1 ether);
    }

    /// @dev Ten 16-bit scores packed as the oracle packs them (15 per word), class 7 the highest.
    function _scores() internal pure returns (uint256[] memory words) {
        words = new uint256[](1);
        for (uint256 i; i < 10; ++i) {
            words[0] |= uint256(i == 7 ? 900 : 10 * i) << (16 * i);
        }
    }

    function test_QuoteRequestAndFulfil() public {
        uint256 price = 2 gwei;
        uint256 quote = consumer.quote(uint64(price));
        assertEq(quote, FEE + CALLBACK_GAS * price);
        vm.prank(user);
        vm.expectRevert(abi.encodeWithSelector(MockInferenceOracle.InsufficientFee.selector, quote - 1, quote));
        consumer.classify{value: quote - 1}(image, uint64(block.timestamp + 60), uint64(price));

        vm.prank(user);
        uint256 requestId = consumer.classify{value: quote}(image, uint64(block.timestamp + 60), uint64(price));
        IInferenceOracle.Request memory request = mock.getRequest(requestId);
        assertEq(request.payer, user);
        assertEq(request.fee, FEE);
        assertTrue(consumer.isPending(requestId));

        vm.prank(relayer);
        mock.fulfill(requestId, _scores());
        (bool known, uint8 digit) = consumer.digitOf(requestId);
        assertTrue(known);
        assertEq(digit, 7);
        assertFalse(consumer.isPending(requestId));
        assertTrue(mock.isResult(requestId, _scores()));
        // Every wei accounted: the relayer earns the fee and the used callback gas, the user the rest.
        assertEq(mock.balanceOf(relayer) + mock.balanceOf(user), quote);
        assertGt(mock.balanceOf(user), 0);
        assertEq(address(mock).balance, quote);
    }

    function test_AFailedCallbackIsRecordedAndDeliveredAgain() public {
        vm.prank(user);
        uint256 requestId = consumer.classify{value: FEE}(image, uint64(block.timestamp + 60), 0);
        uint256[] memory wrongLength = new uint256[](2);
        vm.expectEmit(address(mock));
        emit MockInferenceOracle.CallbackFailed(requestId, address(consumer));
        mock.fulfill(requestId, wrongLength);
        (IInferenceOracle.Status status,) = mock.getRequestState(requestId);
        assertEq(uint8(status), uint8(IInferenceOracle.Status.Fulfilled));
        assertTrue(consumer.isPending(requestId));
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NotTheResult.selector, requestId));
        consumer.deliverResult(requestId, _scores());
        vm.expectRevert(abi.encodeWithSelector(MockInferenceOracle.RequestNotOpen.selector, requestId, IInferenceOracle.Status.Fulfilled));
        mock.fulfill(requestId, _scores());
    }

    function test_AnExpiredRequestIsRefundedToItsPayer() public {
        vm.prank(user);
        uint256 requestId = consumer.classify{value: FEE}(image, uint64(block.timestamp + 60), 0);
        IInferenceOracle.Request memory request = mock.getRequest(requestId);
        vm.expectRevert(abi.encodeWithSelector(MockInferenceOracle.RequestNotExpired.selector, requestId, request.deadline));
        consumer.claimRefund(request);
        vm.warp(block.timestamp + 61);
        vm.expectRevert(abi.encodeWithSelector(MockInferenceOracle.RequestExpired.selector, requestId, request.deadline));
        mock.fulfill(requestId, _scores());
        consumer.claimRefund(request);
        assertEq(mock.balanceOf(user), FEE);
        uint256 before = user.balance;
        vm.prank(user);
        mock.withdraw(payable(user));
        assertEq(user.balance, before + FEE);
    }

    function test_AConsumerThatPaysItselfWithdrawsItsRefunds() public {
        SelfPayingConsumer payer = new SelfPayingConsumer{value: 1 ether}(IInferenceOracle(address(mock)));
        uint256 requestId = payer.request(MODEL, image, uint64(block.timestamp + 60));
        assertEq(payer.withdrawRefunds(payable(user)), 0);
        vm.warp(block.timestamp + 61);
        payer.claimRefund(mock.getRequest(requestId));
        uint256 refunded = FEE + 100_000 * 1 gwei;
        uint256 before = user.balance;
        assertEq(payer.withdrawRefunds(payable(user)), refunded);
        assertEq(user.balance, before + refunded);
        assertEq(mock.balanceOf(address(payer)), 0);
    }

    function test_RevertWhen_TheModelIsNotSetOrTheDeadlinePassed() public {
        IInferenceOracle.RequestOptions memory options;
        options.deadline = uint64(block.timestamp + 60);
        vm.expectRevert(
            abi.encodeWithSelector(
                MockInferenceOracle.ModelNotRequestable.selector, keccak256("unknown"), IModelRegistry.ModelStatus.None
            )
        );
        mock.requestInference(keccak256("unknown"), image, options);
        options.deadline = uint64(block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(MockInferenceOracle.InvalidDeadline.selector, block.timestamp));
        mock.requestInference{value: FEE}(MODEL, image, options);
    }
}
