/*
 * The FreeBSD status macros, transcribed from freebsd/freebsd-src
 * sys/sys/wait.h, for the status-word oracle (bsd_test.go). Continued is
 * the bare word 0x13 (SIGCONT), which WIFSIGNALED excludes; WEXITSTATUS and
 * WSTOPSIG shift the signed int without masking.
 */
#define _W_INT(w)	(w)
#define _WSTATUS(x)	(_W_INT(x) & 0177)
#define _WSTOPPED	0177
#define WCOREFLAG	0200
#define WIFSTOPPED(x)	(_WSTATUS(x) == _WSTOPPED)
#define WSTOPSIG(x)	(_W_INT(x) >> 8)
#define WIFSIGNALED(x)	(_WSTATUS(x) != _WSTOPPED && _WSTATUS(x) != 0 && (x) != 0x13)
#define WTERMSIG(x)	(_WSTATUS(x))
#define WIFEXITED(x)	(_WSTATUS(x) == 0)
#define WEXITSTATUS(x)	(_W_INT(x) >> 8)
#define WIFCONTINUED(x)	((x) == 0x13)
#define WCOREDUMP(x)	(_W_INT(x) & WCOREFLAG)
