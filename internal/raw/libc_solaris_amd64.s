#include "textflag.h"

// sysvicall6 for raw_solaris.go: the runtime exports its libc-call path as
// syscall.sysvicall6.
TEXT ·sysvicall6(SB),NOSPLIT,$0-88
	JMP	syscall·sysvicall6(SB)
