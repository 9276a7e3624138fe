// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev The beneficiary the square fixture's proofs bind (their last public signal): forge-std's
///      makeAddr("fulfiller"). Whoever sends one of those proofs, this address is paid.
address constant SQUARE_PROOF_BENEFICIARY = 0x71458637cD221877830A21F543E8b731e93C3627;
