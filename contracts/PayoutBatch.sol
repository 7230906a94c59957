// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/**
 * One payout of a mining pool in one transaction: every recipient is paid in the native coin (token = address(0),
 * msg.value = the sum of the amounts) or in an ERC-20 token taken from the caller with transferFrom (the caller
 * approved this contract once). All or nothing: one failed transfer reverts the whole payout.
 *
 * The Paid event carries the payout id (indexed) and the caller (indexed), so the pool finds its own payout by a log
 * query on both: anyone may call pay() with any id, but never as the pool's wallet. The contract holds no funds and
 * no state.
 */
contract PayoutBatch {
    event Paid(bytes32 indexed payoutId, address indexed from, address indexed token, address[] to, uint256[] amounts);

    error LengthMismatch();
    error WrongValue(uint256 expected, uint256 received);
    error NotAToken(address token);
    error TransferFailed(uint256 index);

    function pay(bytes32 payoutId, address token, address[] calldata to, uint256[] calldata amounts) external payable {
        if (to.length != amounts.length) revert LengthMismatch();
        if (token == address(0)) {
            uint256 total;
            for (uint256 i; i < amounts.length; ++i) total += amounts[i];
            if (msg.value != total) revert WrongValue(total, msg.value);
            for (uint256 i; i < to.length; ++i) {
                (bool ok,) = to[i].call{value: amounts[i]}("");
                if (!ok) revert TransferFailed(i);
            }
        } else {
            if (msg.value != 0) revert WrongValue(0, msg.value);
            // A call to an address without code succeeds and returns nothing: it must not pass for a token.
            if (token.code.length == 0) revert NotAToken(token);
            for (uint256 i; i < to.length; ++i) {
                // Tokens such as USDT on Ethereum return nothing from transferFrom; the others return true.
                (bool ok, bytes memory ret) =
                    token.call(abi.encodeWithSelector(0x23b872dd, msg.sender, to[i], amounts[i]));
                if (!ok || (ret.length != 0 && !abi.decode(ret, (bool)))) revert TransferFailed(i);
            }
        }
        emit Paid(payoutId, msg.sender, token, to, amounts);
    }
}
