// Added to core-geth's cmd/geth at build time through `go build -overlay` (scripts/setup.sh); core-geth's own
// sources are not changed. It lets the pool's devnet lower ethash's difficulty floor (vars.MinimumDifficulty,
// 131072 on every network, not a genesis or config key) so that a CPU test miner checking nonces with the light
// cache (~1 ms a hash) finds a block in well under a second rather than in about two minutes. Without the variable
// set, the binary is core-geth as released.
package main

import (
	"fmt"
	"math/big"
	"os"

	"github.com/ethereum/go-ethereum/params/vars"
)

const minDifficultyEnv = "EDGEPOOL_DEVNET_MIN_DIFFICULTY"

func init() {
	v, set := os.LookupEnv(minDifficultyEnv)
	if !set {
		return
	}
	d, ok := new(big.Int).SetString(v, 10)
	// Below 2 the work target 2^256/difficulty does not fit the 32 bytes eth_getWork hands out.
	if !ok || d.Cmp(big.NewInt(2)) < 0 {
		fmt.Fprintf(os.Stderr, "%s=%q: not an integer >= 2\n", minDifficultyEnv, v)
		os.Exit(2)
	}
	vars.MinimumDifficulty.Set(d)
}
