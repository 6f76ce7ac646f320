module github.com/handsoff-cdk/handsoff

go 1.26.8
