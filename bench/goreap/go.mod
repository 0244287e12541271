module github.com/procwait/wait/bench/goreap

go 1.26.0

require (
	github.com/hashicorp/go-reap v0.0.0-20170704170343-bf58d8a43e7b
	github.com/procwait/wait v0.0.0
)

require golang.org/x/sys v0.49.0 // indirect

replace github.com/procwait/wait => ../..
