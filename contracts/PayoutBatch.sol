// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * One payout of a mining pool in one transaction: every recipient is paid in the native coin (token = address(0),
 * msg.value = the sum of the amounts) or in an ERC-20 token taken from the caller with transferFrom (the caller
 * approved this contract once).
 *
 * A transfer that fails is skipped, not fatal: a recipient the token refuses (a USDT/USDC-blacklisted address) or
 * that refuses the native coin (a contract without a payable receive, or one that reverts or burns its gas) does not
 * stop the others. The Paid event lists the indexes of the skipped recipients, and the native coin of a skipped
 * transfer goes back to the caller in the same transaction, so the pool returns those amounts to their balances.
 *
 * Each transfer gets exactly TRANSFER_GAS, never less: the call reverts (GasTooLow) rather than start a transfer with
 * less gas left, so a skip always means the token or the recipient refused, never that the caller's gas limit was
 * short (gas estimation would otherwise settle on a limit at which a recipient needing gas is skipped).
 *
 * The Paid event carries the payout id (indexed) and the caller (indexed), so the pool finds its own payout by a log
 * query on both: anyone may call pay() with any id, but never as the pool's wallet. The contract holds no funds and
 * no state.
 */
contract PayoutBatch {
    /// Gas of one transfer: an ERC-20 transferFrom (~30 000–60 000) or a native payment to a contract wallet.
    uint256 private constant TRANSFER_GAS = 100_000;
    /// What a CALL costs the caller beyond the gas it passes on (cold account, value transfer, new account), rounded up.
    uint256 private constant CALL_COST = 40_000;

    event Paid(
        bytes32 indexed payoutId,
        address indexed from,
        address indexed token,
        address[] to,
        uint256[] amounts,
        uint256[] skipped
    );

    error LengthMismatch();
    error WrongValue(uint256 expected, uint256 received);
    error NotAToken(address token);
    error GasTooLow(uint256 index);
    error RefundFailed(uint256 amount);

    function pay(bytes32 payoutId, address token, address[] calldata to, uint256[] calldata amounts) external payable {
        if (to.length != amounts.length) revert LengthMismatch();
        bool native = token == address(0);
        if (native) {
            uint256 total;
            for (uint256 i; i < amounts.length; ++i) total += amounts[i];
            if (msg.value != total) revert WrongValue(total, msg.value);
        } else {
            if (msg.value != 0) revert WrongValue(0, msg.value);
            // A call to an address without code succeeds and returns nothing: it must not pass for a token.
            if (token.code.length == 0) revert NotAToken(token);
        }
        uint256[] memory skipped = new uint256[](to.length);
        uint256 count;
        uint256 refund;
        for (uint256 i; i < to.length; ++i) {
            // A call passes on at most 63/64 of what is left after its own cost (EIP-150).
            if (gasleft() < (TRANSFER_GAS * 64) / 63 + CALL_COST) revert GasTooLow(i);
            bool ok = native ? sendNative(to[i], amounts[i]) : sendToken(token, to[i], amounts[i]);
            if (!ok) {
                skipped[count++] = i;
                if (native) refund += amounts[i];
            }
        }
        assembly {
            mstore(skipped, count) // only the filled part
        }
        if (refund != 0) {
            (bool ok,) = msg.sender.call{value: refund}("");
            if (!ok) revert RefundFailed(refund);
        }
        emit Paid(payoutId, msg.sender, token, to, amounts, skipped);
    }

    function sendNative(address to, uint256 amount) private returns (bool ok) {
        // No return data is copied: a recipient cannot make the payout costly by returning a lot of it.
        assembly {
            ok := call(TRANSFER_GAS, to, amount, 0, 0, 0, 0)
        }
    }

    function sendToken(address token, address to, uint256 amount) private returns (bool) {
        (bool ok, bytes memory ret) =
            token.call{gas: TRANSFER_GAS}(abi.encodeWithSelector(0x23b872dd, msg.sender, to, amount));
        // Tokens such as USDT on Ethereum return nothing from transferFrom; the others return true.
        return ok && (ret.length == 0 || abi.decode(ret, (bool)));
    }
}
