//go:build !unix

package wait

// Without Unix status words os.ProcessState carries nothing to convert.
func statusFromSys(any) (WaitStatus, bool) { return 0, false }

func rusageFromSys(any) (Rusage, bool) { return Rusage{}, false }
