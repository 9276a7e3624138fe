import { execFileSync } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { REPO_ROOT } from '@veridict/oracle/testing'

/**
 * @veridict/contracts as a consumer gets it: packed to a tarball, installed into a fresh project
 * outside the workspace (a real folder, no link back), and a consumer contract written against it,
 * with the same import paths Hardhat resolves, compiled and tested with forge against the package's
 * MockInferenceOracle.
 */
test('@veridict/contracts installs from its tarball; a consumer compiles and passes its own tests against the mock', async () => {
  const work = mkdtempSync(join(tmpdir(), 'veridict-consumer-'))
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  const packed = JSON.parse(npm(['pack', './contracts', '--pack-destination', work, '--json'], REPO_ROOT)) as { filename: string; files: { path: string }[] }[]
  const files = packed[0]!.files.map((f) => f.path)
  expect(files).toEqual(expect.arrayContaining(['src/InferenceConsumer.sol', 'src/mocks/MockInferenceOracle.sol', 'src/interfaces/IInferenceOracle.sol', 'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']))
  // Sources and docs only: no tests, fixtures, build output or scripts.
  expect(files.filter((f) => !f.startsWith('src/') && !['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json'].includes(f))).toEqual([])

  const project = join(work, 'consumer')
  mkdirSync(join(project, 'src'), { recursive: true })
  mkdirSync(join(project, 'test'))
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
  npm(['install', join(work, packed[0]!.filename), '--offline', '--no-audit', '--no-fund'], project)
  expect(lstatSync(join(project, 'node_modules/@veridict/contracts')).isSymbolicLink()).toBe(false)

  // Foundry: one remapping; Hardhat resolves the same import paths from node_modules itself.
  writeFileSync(
    join(project, 'foundry.toml'),
    [
      '[profile.default]',
      `solc = "${join(REPO_ROOT, 'scripts/solc.mjs')}"`,
      'offline = true',
      'remappings = [',
      '  "@veridict/contracts/=node_modules/@veridict/contracts/",',
      `  "forge-std/=${join(REPO_ROOT, 'node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std/')}",`,
      ']',
    ].join('\n'),
  )
  writeFileSync(
    join(project, 'src/Oracleized.sol'),
    `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {InferenceConsumer} from "@veridict/contracts/src/InferenceConsumer.sol";
import {IInferenceOracle} from "@veridict/contracts/src/interfaces/IInferenceOracle.sol";

/// A consumer as a dApp writes it: asks for one model's output for its caller and keeps the first word.
contract Oracleized is InferenceConsumer {
    bytes32 public immutable MODEL;
    mapping(uint256 => uint256) public firstWord;

    constructor(IInferenceOracle oracle, bytes32 model) InferenceConsumer(oracle) {
        MODEL = model;
    }

    function options(uint64 deadline) public view returns (IInferenceOracle.RequestOptions memory) {
        return IInferenceOracle.RequestOptions({mode: IInferenceOracle.Mode.ZK, quorum: 0, callback: address(this), callbackGasLimit: 80_000, callbackGasPrice: 1 gwei, deadline: deadline, valueAtRisk: 0, payer: msg.sender});
    }

    function price() external view returns (uint256) {
        return _quoteFee(MODEL, options(0));
    }

    function ask(uint256[] calldata input, uint64 deadline) external payable returns (uint256) {
        return _requestInference(MODEL, input, options(deadline), msg.value, msg.sender);
    }

    function _onInferenceResult(uint256 requestId, uint256[] calldata outputWords) internal override {
        firstWord[requestId] = outputWords[0];
    }
}
`,
  )
  writeFileSync(
    join(project, 'test/Oracleized.t.sol'),
    `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Test} from "forge-std/Test.sol";
import {IInferenceOracle} from "@veridict/contracts/src/interfaces/IInferenceOracle.sol";
import {MockInferenceOracle} from "@veridict/contracts/src/mocks/MockInferenceOracle.sol";
import {Oracleized} from "../src/Oracleized.sol";

contract OracleizedTest is Test {
    function test_AskedAndAnswered() public {
        MockInferenceOracle mock = new MockInferenceOracle();
        bytes32 model = keccak256("model");
        mock.setModel(model, 0.01 ether, 1, 32);
        Oracleized consumer = new Oracleized(IInferenceOracle(address(mock)), model);
        uint256 price = consumer.price();
        assertEq(price, 0.01 ether + 80_000 * 1 gwei);
        uint256[] memory input = new uint256[](1);
        uint256 requestId = consumer.ask{value: price}(input, uint64(block.timestamp + 60));
        uint256[] memory output = new uint256[](1);
        output[0] = 42;
        mock.fulfill(requestId, output);
        assertEq(consumer.firstWord(requestId), 42);
    }
}
`,
  )
  const forge = join(REPO_ROOT, 'node_modules/.bin/forge')
  const out = execFileSync(forge, ['test'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  expect(out).toMatch(/\[PASS\] test_AskedAndAnswered\(\)/)
  expect(out).toMatch(/1 tests passed, 0 failed/)
  expect(readdirSync(join(project, 'out'))).toEqual(expect.arrayContaining(['Oracleized.sol', 'MockInferenceOracle.sol']))
}, 300_000)
