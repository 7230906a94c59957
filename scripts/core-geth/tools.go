//go:build tools

package tools

import _ "github.com/ethereum/go-ethereum/cmd/geth"
