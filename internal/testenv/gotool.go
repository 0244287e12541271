package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// GoTool returns the path of the go command: the one on PATH or, failing
// that, $GOROOT/bin/go. (runtime.GOROOT is not consulted: it is deprecated,
// and a test binary may run where it was not built.) The error names both
// places it looked, so a test can skip with it.
func GoTool() (string, error) {
	path, err := exec.LookPath("go")
	if err == nil {
		return path, nil
	}
	onPath := fmt.Sprintf("PATH (%v)", err)
	root := os.Getenv("GOROOT")
	if root == "" {
		return "", fmt.Errorf("no go tool: looked in %s and $GOROOT/bin (GOROOT is not set)", onPath)
	}
	candidate := filepath.Join(root, "bin", "go")
	_, serr := os.Stat(candidate)
	if serr == nil {
		return candidate, nil
	}
	if errors.Is(serr, os.ErrNotExist) {
		return "", fmt.Errorf("no go tool: looked in %s and %s (none there)", onPath, candidate)
	}
	return "", fmt.Errorf("no go tool: looked in %s and %s (%v)", onPath, candidate, serr)
}
