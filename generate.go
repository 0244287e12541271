package wait

// The zabi_<goos>.go files and the README's OS table are generated from the
// tables in internal/abi.
//go:generate go run ./internal/cmd/genabi
