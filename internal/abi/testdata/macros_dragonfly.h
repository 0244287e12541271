/*
 * The DragonFly status macros, transcribed from DragonFlyBSD/DragonFlyBSD
 * sys/sys/wait.h, for the status-word oracle (bsd_test.go). As FreeBSD's,
 * except that WIFSIGNALED does not exclude the continued word 19, and
 * WIFCONTINUED compares with the decimal 19.
 */
#define _W_INT(w)	(w)
#define _WSTATUS(x)	(_W_INT(x) & 0177)
#define _WSTOPPED	0177
#define WCOREFLAG	0200
#define WIFSTOPPED(x)	(_WSTATUS(x) == _WSTOPPED)
#define WSTOPSIG(x)	(_W_INT(x) >> 8)
#define WIFSIGNALED(x)	(_WSTATUS(x) != _WSTOPPED && _WSTATUS(x) != 0)
#define WTERMSIG(x)	(_WSTATUS(x))
#define WIFEXITED(x)	(_WSTATUS(x) == 0)
#define WEXITSTATUS(x)	(_W_INT(x) >> 8)
#define WIFCONTINUED(x)	((x) == 19)
#define WCOREDUMP(x)	(_W_INT(x) & WCOREFLAG)
