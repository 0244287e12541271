#include "textflag.h"

// Trampolines to libc's wait4 and waitid for raw_libc.go. On ppc64 the
// trampoline calls the symbol and returns, so that the linker can restore
// the TOC pointer after the call into libc.

TEXT libc_wait4_trampoline<>(SB),NOSPLIT,$0-0
	CALL	libc_wait4(SB)
	RET
GLOBL	·libc_wait4_trampoline_addr(SB), RODATA, $8
DATA	·libc_wait4_trampoline_addr(SB)/8, $libc_wait4_trampoline<>(SB)

TEXT libc_waitid_trampoline<>(SB),NOSPLIT,$0-0
	CALL	libc_waitid(SB)
	RET
GLOBL	·libc_waitid_trampoline_addr(SB), RODATA, $8
DATA	·libc_waitid_trampoline_addr(SB)/8, $libc_waitid_trampoline<>(SB)
