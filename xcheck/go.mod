module github.com/procwait/wait/xcheck

go 1.26.0

replace github.com/procwait/wait => ../

require (
	github.com/procwait/wait v0.0.0-00010101000000-000000000000 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
)
