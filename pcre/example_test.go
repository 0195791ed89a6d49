package pcre_test

import (
	"fmt"

	"github.com/ossec-ruletest/ossec-ruletest/pcre"
)

func ExampleRegexp_Exec() {
	re, err := pcre.Compile(`for user (\S+)`, pcre.Caseless)
	if err != nil {
		panic(err)
	}
	s := "Failed password FOR USER root"
	ov, _ := re.Exec(s, nil)
	fmt.Println(ov, s[ov[2]:ov[3]])
	// Output: [16 29 25 29] root
}

func ExampleCompile_unsupported() {
	_, err := pcre.Compile(`(?(1)a|b)`, 0)
	fmt.Println(err)
	// Output: unsupported: conditional group at offset 0
}
