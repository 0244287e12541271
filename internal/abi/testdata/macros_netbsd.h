/*
 * The NetBSD status macros, transcribed from NetBSD/src sys/sys/wait.h
 * (rev 1.38), for the status-word oracle (bsd_test.go). Continued is
 * exactly 0xffff (compared as unsigned); WIFSTOPPED excludes it and
 * WIFSIGNALED is "none of the others"; the 8-bit fields are masked.
 */
#define _W_INT(w)	(w)
#define _WSTATUS(x)	(_W_INT(x) & 0177)
#define _WSTOPPED	0177
#define _WCONTINUED	0xffffU
#define WCOREFLAG	0200
#define WIFCONTINUED(x)	(_W_INT(x) == _WCONTINUED)
#define WIFSTOPPED(x)	(_WSTATUS(x) == _WSTOPPED && !WIFCONTINUED(x))
#define WSTOPSIG(x)	((int)(((unsigned int)_W_INT(x)) >> 8) & 0xff)
#define WIFEXITED(x)	(_WSTATUS(x) == 0)
#define WIFSIGNALED(x)	(!WIFSTOPPED(x) && !WIFCONTINUED(x) && !WIFEXITED(x))
#define WTERMSIG(x)	(_WSTATUS(x))
#define WEXITSTATUS(x)	((int)(((unsigned int)_W_INT(x)) >> 8) & 0xff)
#define WCOREDUMP(x)	(_W_INT(x) & WCOREFLAG)
