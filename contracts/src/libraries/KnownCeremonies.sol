// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KnownCeremonies
/// @notice The public powers-of-tau files a setup can build on without trusting its registrant
///         for phase 1: the final, phase-2-prepared files of the Perpetual Powers of Tau ceremony
///         as Hermez published them (`powersOfTau28_hez_final_XX.ptau`, powers 8 to 28; 54
///         contributions and a beacon). Each entry is the first 32 bytes of the file's blake2b-512
///         hash, as listed in snarkjs's README; sdk/src/encoding/knownCeremonies.ts holds the same table.
library KnownCeremonies {
    /// @notice Whether `ptauHash` is one of the listed files.
    function isListed(bytes32 ptauHash) internal pure returns (bool) {
        return ptauHash == 0xd6a8fb3a04feb600096c3b791f936a578c4e664d262e4aa24beed1b7a9a96aa5 // power 8
            || ptauHash == 0x94f108a80e81b5d932d8e8c9e8fd7f46cf32457e31462deeeef37af1b71c2c1b // power 9
            || ptauHash == 0x6cfeb8cda92453099d20120bdd0e8a5c4e7706c2da9a8f09ccc157ed2464d921 // power 10
            || ptauHash == 0x47c282116b892e5ac92ca238578006e31a47e7c7e70f0baa8b687f0a5203e28e // power 11
            || ptauHash == 0xded2694169b7b08e898f736d5de95af87c3f1a64594013351b1a796dbee393bd // power 12
            || ptauHash == 0x58efc8bf2834d04768a3d7ffcd8e1e23d461561729beaac4e3e7a47829a1c906 // power 13
            || ptauHash == 0xeeefbcf7c3803b523c94112023c7ff89558f9b8e0cf5d6cdcba3ade60f168af4 // power 14
            || ptauHash == 0x982372c867d229c236091f767e703253249a9b432c1710b4f326306bfa2428a1 // power 15
            || ptauHash == 0x6a6277a2f74e1073601b4f9fed6e1e55226917efb0f0db8a07d98ab01df1ccf4 // power 16
            || ptauHash == 0x6247a3433948b35fbfae414fa5a9355bfb45f56efa7ab4929e669264a0258976 // power 17
            || ptauHash == 0x7e6a9c2e5f05179ddfc923f38f917c9e6831d16922a902b0b4758b8e79c2ab8a // power 18
            || ptauHash == 0xbca9d8b04242f175189872c42ceaa21e2951e0f0f272a0cc54fc37193ff66486 // power 19
            || ptauHash == 0x89a66eb5590a1c94e3f1ee0e72acf49b1669e050bb5f93c73b066b564dca4e0c // power 20
            || ptauHash == 0x9aef0573cef4ded9c4a75f148709056bf989f80dad96876aadeb6f1c6d062391 // power 21
            || ptauHash == 0x0d64f63dba1a6f11139df765cb690da69d9b2f469a1ddd0de5e4aa628abb28f7 // power 22
            || ptauHash == 0x3063a0bd81d68711197c8820a92466d51aeac93e915f5136d74f63c394ee6d88 // power 23
            || ptauHash == 0xfa404d140d5819d39984833ca5ec3632cd4995f81e82db402371a4de7c2eae86 // power 24
            || ptauHash == 0x0377d860cdb09a8a31ea1b0b8c04335614c8206357181573bf294c25d5ca7dff // power 25
            || ptauHash == 0x418dee4a74b9592198bd8fd02ad1aea76f9cf3085f206dfd7d594c9e264ae919 // power 26
            || ptauHash == 0x10ffd99837c512ef99752436a54b9810d1ac8878d368fb4b806267bdd664b4ab // power 27
            || ptauHash == 0x55c77ce8562366c91e7cda394cf7b7c15a06c12d8c905e8b36ba9cf5e13eb37d; // power 28
    }
}
