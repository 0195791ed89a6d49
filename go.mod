module github.com/ossec-ruletest/ossec-ruletest

go 1.26.8
