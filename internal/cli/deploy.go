package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ossec-ruletest/ossec-ruletest/harness"
	"github.com/ossec-ruletest/ossec-ruletest/internal/deploy"
	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

func init() {
	RegisterCommand("deploy", "install the rules repository into an OSSEC installation as the tests load it", runDeploy)
}

const deployUsage = `usage: ossec-ruletest deploy [--repo DIR] INSTALLATION

Installs the rules repository (found as run finds it, or --repo DIR) into
the OSSEC installation INSTALLATION (a /var/ossec, or a copy) exactly as
run, logtest and the docker engines load it: each file goes to its path
(rules/X.xml to rules/X.xml, etc/local_decoder.xml, decoders/, lists/),
replacing the installation's, and etc/ossec.conf gets the repository's
ossec.conf and the list of every rule, decoder and list file that loads.
The ruleset is loaded first: when it does not load, every error is
printed and nothing is written (exit 3). The replaced files are kept in
INSTALLATION/` + deploy.Upstream + ` (and the added ones listed), from
which the docker engine recovers the installation's own base; an
installation deployed into already is refused. containers/manager/install.sh
builds the manager image with it.

Flags:
`

func runDeploy(args []string, stdout, stderr io.Writer) int {
	fl := NewFlagSet("deploy", deployUsage, stderr)
	repoFlag := fl.String("repo", "", "the rules repository `dir` (default: the one the current directory is in)")
	if code, ok := ParseFlags(fl, args); !ok {
		return code
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return ExitUsage
	}
	dir := fl.Arg(0)
	if _, err := os.Stat(filepath.Join(dir, "etc", "ossec.conf")); err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest deploy: %s is not an OSSEC installation: %v\n", dir, err)
		return ExitUsage
	}
	repo, err := findRepo(*repoFlag, false, dir)
	if err == nil && repo == "" {
		err = errors.New("no rules repository here: run it in one, or give --repo DIR")
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest deploy: %v\n", err)
		return ExitUsage
	}
	rs, code := preloadRuleset(stderr, "ossec-ruletest deploy", dir, repo, nil)
	if rs == nil {
		return code
	}
	for _, d := range rs.Warnings {
		if d.Code != ruleset.CodeRepoUnlisted { // printed by preloadRuleset
			fmt.Fprintf(stderr, "ossec-ruletest deploy: %s\n", d.String())
		}
	}
	src, err := harness.Sources(dir, repo)
	var res deploy.Result
	if err == nil {
		res, err = deploy.Into(src)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ossec-ruletest deploy: %v\n", err)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "deployed %s into %s (%d replaced, kept in %s)\n", plural(res.Written, "file"), dir, res.Replaced, filepath.Join(dir, filepath.FromSlash(deploy.Upstream)))
	return ExitOK
}
