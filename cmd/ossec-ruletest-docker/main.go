// Command ossec-ruletest-docker is ossec-ruletest with the docker engines:
// every command of ossec-ruletest, plus --engine docker and docker-live
// (cases on an OSSEC manager container) and the base command. It is a
// program of its own so that ossec-ruletest does not link and start the
// Docker client's packages on every run; ossec-ruletest runs it for the
// command lines that need it. See internal/cli and internal/cli/dockercli.
package main

import (
	"os"

	"github.com/ossec-ruletest/ossec-ruletest/internal/cli"
	_ "github.com/ossec-ruletest/ossec-ruletest/internal/cli/dockercli"
)

func main() { os.Exit(cli.Main()) }
