#include "textflag.h"

// Trampolines to libc's wait4 and waitid for raw_libc.go. Each jumps to
// the symbol imported in raw_openbsd.go; its address is what libcCall6
// calls.

TEXT libc_wait4_trampoline<>(SB),NOSPLIT,$0-0
	JMP	libc_wait4(SB)
GLOBL	·libc_wait4_trampoline_addr(SB), RODATA, $8
DATA	·libc_wait4_trampoline_addr(SB)/8, $libc_wait4_trampoline<>(SB)

TEXT libc_waitid_trampoline<>(SB),NOSPLIT,$0-0
	JMP	libc_waitid(SB)
GLOBL	·libc_waitid_trampoline_addr(SB), RODATA, $8
DATA	·libc_waitid_trampoline_addr(SB)/8, $libc_waitid_trampoline<>(SB)
