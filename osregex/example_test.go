package osregex_test

import (
	"fmt"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

func ExamplePattern_Exec() {
	p, err := osregex.Compile(osregex.KindRegex, `^Failed \S+ for (\S+) from (\S+) port \d+`, 0)
	if err != nil {
		panic(err)
	}
	conv, _ := p.PCRE2()
	fmt.Println(conv)
	end, subs, ok := p.Exec("Failed password for root from 10.0.0.1 port 22 ssh2", nil)
	fmt.Println(ok, end, subs)
	// Output:
	// ^Failed [^ ]+? for ([^ ]+?) from ([^ ]+?) port [0-9]+
	// true 46 [root 10.0.0.1]
}

func ExampleWordMatch() {
	fmt.Println(osregex.WordMatch("^sshd|su", "SSHD[12]: x"), osregex.WordMatch("^su", "sudo"), osregex.WordMatch("^su", "x su"))
	// Output: true true false
}
